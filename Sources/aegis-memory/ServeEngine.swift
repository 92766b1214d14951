import AegisCore
import AegisEmbedding
import AegisEngine
import AegisLog
import AegisStorage
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
}

