import AegisCore
import AegisEmbedding
import AegisEngine
import AegisLog
import AegisStorage
import ArgumentParser
import Foundation

/// How `serve` builds its embedder and opens its engine. Kept apart from the command so the
/// store/embedder wiring can change without touching the HTTP setup.
enum ServeEngine {
    struct Embedding {
        var embedder: any Embedder
        var cacheStats: @Sendable () -> (hits: Int, misses: Int)
    }

    /// `AEGIS_EMBEDDER` chooses the embedder (AegisEmbedding's factory; default minilm, whose
    /// model `make models` fetches). The persistent embedding cache lives in the data directory.
    static func makeEmbedder(_ s: ServeSettings, dataDir: String) throws -> Embedding {
        let kind = s.string("AEGIS_EMBEDDER") ?? EmbedderFactory.defaultKind
        let cached = try EmbedderFactory.makeCached(kind: kind, environment: s.values,
                                                    cacheDirectory: (dataDir as NSString).appendingPathComponent("embedding-cache"))
        return Embedding(embedder: cached, cacheStats: {
            let st = cached.statistics
            return (st.hits, st.misses)
        })
    }

    /// Opens (or creates) the durable store in `dataDir` and the engine on it. `AEGIS_FSYNC`
    /// chooses the fsync policy (`always` default, `interval=<ms>`, `off`; docs/configuration.md).
    static func open(dataDir: String, embedder: any Embedder, configuration: EngineConfiguration,
                     settings: ServeSettings) async throws -> AegisEngine {
        var options = StoreOptions()
        if let f = settings.string("AEGIS_FSYNC") { options.log.fsync = try FsyncPolicy(parsing: f) }
        return try await AegisEngine.open(directory: dataDir, embedder: embedder, configuration: configuration,
                                          storeOptions: options)
    }

    /// The engine settings of docs/configuration.md (`serve` and the local `mcp` read the same).
    static func engineConfiguration(_ settings: ServeSettings) throws -> EngineConfiguration {
        var engineConfig = EngineConfiguration()
        engineConfig.maxInFlight = try settings.int("AEGIS_MAX_IN_FLIGHT") ?? settings.int("DATABASE_POOL_SIZE")
            ?? settings.int("DB_POOL_SIZE") ?? 20
        if let v = try settings.int("AEGIS_HNSW_M") { engineConfig.hnswM = v }
        if let v = try settings.int("AEGIS_HNSW_EF_CONSTRUCTION") { engineConfig.hnswEfConstruction = v }
        if let v = try settings.int("AEGIS_HNSW_EF_SEARCH") { engineConfig.hnswEfSearch = v }
        if let v = try settings.int("AEGIS_HNSW_BULK_THRESHOLD") { engineConfig.hnswBulkInsertThreshold = v }
        if let v = try settings.int("AEGIS_HNSW_BULK_THREADS") { engineConfig.hnswBulkInsertThreads = v }
        if let v = try settings.int("AEGIS_CHECKPOINT_INTERVAL_SECONDS") { engineConfig.checkpointIntervalSeconds = Double(v) }
        if let v = try settings.int("AEGIS_TTL_SWEEP_INTERVAL_SECONDS") { engineConfig.ttlSweepIntervalSeconds = Double(v) }
        switch settings.string("AEGIS_HNSW_TRAVERSAL")?.lowercased() {
        case nil, "", "int8": engineConfig.hnswTraversalCodes = true
        case "float32": engineConfig.hnswTraversalCodes = false
        case let v?: throw ValidationError("AEGIS_HNSW_TRAVERSAL must be int8 or float32 (got \"\(v)\")")
        }
        try engineConfig.validate()
        return engineConfig
    }
}
