import AegisCore
import AegisStorage
import Foundation

/// What `AegisEngine.reembed` did.
public struct ReembedReport: Sendable {
    public var previousModel: String
    public var previousDimension: Int
    public var model: String
    public var dimension: Int
    public var memories: Int
    public var projects: Int
    /// Wall time embedding, building the indexes, and in total (seconds).
    public var embedSeconds: Double
    public var indexSeconds: Double
    public var seconds: Double
    /// The old store (openable with the old embedder), nil when it was removed.
    public var keptOldStore: String?
    public var warnings: [String]
}

extension AegisEngine {
    /// Re-embeds every memory of every project of the store in `directory` with `embedder`
    /// (batches of `batchSize` texts), builds the new per-project graphs (pinned build
    /// parameters carry over), then switches the store to the new model and vectors in one
    /// atomic step (`Store.replaceEmbeddings`). Any failure before the switch — an embedding
    /// error, Ctrl-C, a crash — leaves the old store exactly usable with the old embedder; after
    /// it the store is fully re-embedded. Dimension changes are fine. Takes the store's lock
    /// (offline: stop the server). `force` re-embeds even when the store already records the
    /// embedder's model and dimension.
    public static func reembed(directory: String, embedder: any Embedder, batchSize: Int = 256, keepOldStoreIn: String?,
                               force: Bool = false, configuration: EngineConfiguration = .init(),
                               storeOptions: StoreOptions = StoreOptions(),
                               threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                               progress: (MaintenanceProgress) -> Void = { _ in }) async throws -> ReembedReport {
        guard (1...100_000).contains(batchSize) else { throw EngineError(.badRequest, "batch size must be in 1...100000 (got \(batchSize))") }
        guard embedder.dimension > 0 else { throw EngineError(.badRequest, "embedder dimension must be > 0") }
        guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("log")) else {
            throw EngineError(.notFound, "\(directory) holds no Aegis store (no log/ directory)")
        }
        let started = Date()
        var options = storeOptions
        options.embeddingModel = nil
        options.dimension = nil
        options.collectIndexCatchUp = false
        let store: Store
        do { store = try await Store.open(directory: directory, options: options) } catch let e as AegisError {
            throw EngineError(.unavailable, e.code == .locked ? "\(e.message) (stop the server first)" : "cannot open store: \(e)")
        }
        do {
            let report = try await reembed(store: store, embedder: embedder, batchSize: batchSize, keepOldStoreIn: keepOldStoreIn,
                                           force: force, configuration: configuration, threads: threads, started: started,
                                           progress: progress)
            return report
        } catch {
            try? await store.close()
            throw error
        }
    }

    private static func reembed(store: Store, embedder: any Embedder, batchSize: Int, keepOldStoreIn: String?, force: Bool,
                                configuration: EngineConfiguration, threads: Int, started: Date,
                                progress: (MaintenanceProgress) -> Void) async throws -> ReembedReport {
        guard let old = store.read({ v in v.embeddingModel.map { (name: $0, dimension: v.dimension) } }) else {
            throw EngineError(.notFound, "\(store.directory) has no embedding model recorded (an empty store: nothing to re-embed)")
        }
        if !force, old.name == embedder.modelName, old.dimension == embedder.dimension {
            throw EngineError(.conflict, "the store already uses \(old.name) (\(old.dimension) dimensions); nothing to do (force to re-embed anyway)")
        }
        let pinned = store.openReport.indexSection.flatMap { IndexSection.decodeWithParameters($0) }?.pinned
        let parameters = pinned ?? IndexParameters(m: configuration.hnswM, efConstruction: configuration.hnswEfConstruction)
        try IndexParameters.checked(m: parameters.m, efConstruction: parameters.efConstruction)

        // Everything to embed, per project (attributes only; vectors come next).
        let backend = StoreBackend(store: store)
        var byProject: [(project: String, memories: [Memory])] = backend.read { v in
            v.projectIds().sorted().map { p in
                var ms: [Memory] = []
                v.forEachMemory(projectId: p) { ms.append($0); return true }
                return (p, ms)
            }
        }
        let total = byProject.reduce(0) { $0 + $1.memories.count }
        let dimension = embedder.dimension

        // Embed in batches.
        var done = 0
        progress(MaintenanceProgress(phase: "embedding", done: 0, total: total))
        for pi in byProject.indices {
            var i = 0
            let count = byProject[pi].memories.count
            while i < count {
                let n = min(batchSize, count - i)
                let texts = byProject[pi].memories[i..<(i + n)].map(\.content)
                let vectors: [[Float]]
                do { vectors = try await embedder.embed(texts) } catch {
                    throw EngineError(.unavailable, "embedding failed after \(done) of \(total) memories: \(error); the store was not changed")
                }
                guard vectors.count == n, vectors.allSatisfy({ $0.count == dimension && $0.allSatisfy(\.isFinite) }) else {
                    throw EngineError(.unavailable, "\(embedder.modelName) returned \(vectors.count) vectors of unexpected shape or with non-finite values (expected \(n) × \(dimension)); the store was not changed")
                }
                for j in 0..<n { byProject[pi].memories[i + j].embedding = normalized(vectors[j]) }
                i += n
                done += n
                progress(MaintenanceProgress(phase: "embedding", done: done, total: total))
            }
        }
        let embedSeconds = Date().timeIntervalSince(started)

        // The new graphs and the index section.
        var spaces: [String: ProjectSpace] = [:]
        var indexed = 0
        for (project, memories) in byProject {
            let base = indexed
            let own = try IndexBuilder.ownRows(memories, dimension: dimension)
            spaces[project] = try IndexBuilder.build(memories: own.items, rowOwner: own.owner, dimension: dimension, parameters: parameters,
                                                     configuration: configuration, threads: threads) { n in
                progress(MaintenanceProgress(phase: "indexing", done: base + n, total: total))
            }
            indexed += memories.count
        }
        let section = IndexSection.encode(spaces, pinned: pinned)
        let indexSeconds = Date().timeIntervalSince(started) - embedSeconds

        // The switch.
        var vectors: [String: [String: [Float]]] = [:]
        for (project, memories) in byProject {
            var d: [String: [Float]] = [:]
            d.reserveCapacity(memories.count)
            for m in memories { d[m.id] = m.embedding }
            vectors[project] = d
        }
        byProject = []
        progress(MaintenanceProgress(phase: "switching", done: total, total: total))
        let r: EmbeddingReplacementReport
        do {
            r = try await store.replaceEmbeddings(model: embedder.modelName, dimension: dimension, indexSection: section,
                                                  keepOldStoreIn: keepOldStoreIn) { p, id in vectors[p]?[id] }
        } catch let e as AegisError {
            throw EngineError(e.code == .conflict ? .conflict : .unavailable, "switching to the new embeddings failed: \(e)")
        }
        return ReembedReport(previousModel: old.name, previousDimension: old.dimension, model: r.model, dimension: r.dimension,
                             memories: r.memories, projects: spaces.count, embedSeconds: embedSeconds, indexSeconds: indexSeconds,
                             seconds: Date().timeIntervalSince(started), keptOldStore: r.keptOldStore, warnings: r.warnings)
    }
}
