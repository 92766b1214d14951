import AegisCore
import AegisEmbedding
import AegisEngine
import AegisStorage
import ArgumentParser
import Foundation

/// `aegis-memory demo-data --data-dir D [--count N]`: fills a store with a realistic multi-agent
/// data set (memories in a few namespaces, votes, sessions, features) that `serve` can open
/// as it is: vectors come from the hashing embedder (model `hash-<dim>`, so
/// `AEGIS_EMBEDDER=hash aegis-memory serve --data-dir D` serves it), and the final checkpoint
/// carries the HNSW graphs, so the server loads them instead of rebuilding (docs/operations.md,
/// "Demo data"). `--count 1000000` is the scale demo (docs/benchmarks.md, "Scale").
struct DemoDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo-data",
        abstract: "Create a demo store (memories, votes, sessions, features) that `AEGIS_EMBEDDER=hash serve` opens as it is.")

    @Option(name: .long) var dataDir: String
    @Option(name: .long) var count: Int = 500
    @Option(name: .long, help: "Vector size; the server needs the same AEGIS_HASH_DIMENSION (default 384).")
    var dimension: Int = HashingEmbedder.defaultDimension
    @Option(name: .long, help: "Memories per commit (one log record and fsync each; 1 = one commit per memory).")
    var commitBatch: Int = 256
    @Flag(name: .long, inversion: .prefixedNo, help: "Build the HNSW graphs and save them in the final checkpoint (--no-graphs: the server builds them at start-up).")
    var graphs = true

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be >= 0") }
        guard (1...4096).contains(commitBatch) else { throw ValidationError("--commit-batch must be in 1...4096") }
        guard (1...HashingEmbedder.maxDimension).contains(dimension) else {
            throw ValidationError("--dimension must be in 1...\(HashingEmbedder.maxDimension)")
        }
    }

    func run() async throws {
        let started = Date()
        let embedder = try HashingEmbedder(dimension: dimension)
        var config = EngineConfiguration()
        do { config = try OpsSupport.bulkInsertConfiguration(ProcessInfo.processInfo.environment) } catch {
            OpsSupport.note("demo-data: \(error)"); throw ExitCode(2)
        }
        let store: Store
        do {
            store = try await Store.open(directory: dataDir, options: StoreOptions(embeddingModel: embedder.modelName, dimension: dimension))
        } catch {
            OpsSupport.note("demo-data: cannot open \(dataDir): \(error)"); throw ExitCode(1)
        }
        try await DemoData(count: count, commitBatch: commitBatch, embedder: embedder).write(into: store)
        let written = Date()
        let summary: String
        if graphs {
            // The engine indexes every memory of the store at open (parallel bulk inserts,
            // AEGIS_HNSW_BULK_THREADS) and its close writes the checkpoint with the graphs.
            let engine = try await AegisEngine(backend: StoreBackend(store: store), embedder: embedder, configuration: config)
            let indexed = engine.health().indexedMemories
            try await engine.close()
            summary = "\(indexed) memories indexed, graphs saved in the checkpoint"
        } else {
            _ = try await store.checkpoint()
            try await store.close()
            summary = "no graphs saved (serve builds them at start-up)"
        }
        let s = { (d: Date, e: Date) in String(format: "%.1f s", e.timeIntervalSince(d)) }
        print("demo-data: \(count) memories (model \(embedder.modelName)) in \(dataDir): rows \(s(started, written)), \(summary) \(s(written, Date()))")
    }
}
