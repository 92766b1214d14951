import AegisCore
import AegisStorage
import Foundation

extension AegisEngine {
    /// Opens the engine on an existing data directory for offline maintenance (`compact`,
    /// `rebuild-index`): takes the store's lock (a running server makes this fail with
    /// `.unavailable` naming the lock), uses the recorded model without loading an embedder.
    /// Throws `.notFound` when `directory` holds no store.
    public static func openForMaintenance(directory: String, configuration: EngineConfiguration = .init(),
                                          storeOptions: StoreOptions = StoreOptions()) async throws -> AegisEngine {
        guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("log")) else {
            throw EngineError(.notFound, "\(directory) holds no Aegis store (no log/ directory)")
        }
        let store: Store
        do { store = try await Store.open(directory: directory, options: storeOptions) } catch let e as AegisError {
            throw EngineError(.unavailable, e.code == .locked ? "\(e.message) (stop the server first)" : "cannot open store: \(e)")
        }
        guard let model = store.read({ v in v.embeddingModel.map { ($0, v.dimension) } }) else {
            try? await store.close()
            throw EngineError(.notFound, "\(directory) has no embedding model recorded (an empty store)")
        }
        do {
            return try await AegisEngine(backend: StoreBackend(store: store),
                                         embedder: RecordedModelEmbedder(modelName: model.0, dimension: model.1),
                                         configuration: configuration)
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// The vector index of every project (graph sizes, tombstones, build parameters).
    public func indexStatus() -> [ProjectIndexStatus] { spaces.status() }

    /// Build parameters pinned by `rebuildIndex` (nil: the configuration's apply).
    public var pinnedIndexParameters: IndexParameters? { spaces.pinnedParameters }

    /// Rebuilds the HNSW graph of every project (or of `only`) from the stored vectors with the
    /// given build parameters (parallel bulk build on `threads` workers), **pins** them — the
    /// next checkpoints record them, and graphs created later (new projects, rebuilds at
    /// start-up) use them instead of the configuration's — and checkpoints. Searches of a
    /// project wait while its graph is rebuilt.
    public func rebuildIndex(parameters: IndexParameters, only: Set<String>? = nil,
                             threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                             progress: (MaintenanceProgress) -> Void = { _ in }) async throws -> IndexRebuildReport {
        try checkOpen()
        try IndexParameters.checked(m: parameters.m, efConstruction: parameters.efConstruction)
        let started = Date()
        let all = backend.read { $0.projectIds() }
        if let only {
            let missing = only.subtracting(all)
            guard missing.isEmpty else { throw EngineError(.notFound, "no such project: \(missing.sorted().joined(separator: ", "))") }
        }
        let projects = all.filter { only?.contains($0) ?? true }.sorted()
        let total = backend.read { v in projects.reduce(0) { $0 + v.memoryCount(projectId: $1) } }
        var done = 0
        let dimension = spaces.dimension
        for project in projects {
            try spaces.rebuild(project: project) {
                let memories = backend.read { v -> [(memory: MemoryHead, row: UnsafePointer<Float>)] in
                    var out: [(memory: MemoryHead, row: UnsafePointer<Float>)] = []
                    v.forEachMemoryHeadWithRow(projectId: project) { m, row in
                        out.append((m, row))
                        return true
                    }
                    return out
                }
                let base = done
                let space = try IndexBuilder.build(memories: memories, dimension: dimension, parameters: parameters,
                                                   configuration: configuration, threads: threads) { n in
                    progress(MaintenanceProgress(phase: "indexing \(project)", done: base + n, total: total))
                }
                done += memories.count
                return space
            }
        }
        spaces.pin(parameters)
        if backend.readOnlyReason() == nil { try await checkpoint() }
        let status = spaces.status().filter { only?.contains($0.project) ?? true }
        return IndexRebuildReport(parameters: parameters, projects: status, memories: done,
                                  seconds: Date().timeIntervalSince(started))
    }

    /// Compacts the durable store (offline `compact`): graph tombstones are compacted out,
    /// then the store keeps one snapshot with the index and no log it covers (deleted memories
    /// leave the disk; the fallback snapshot is given up). See `Store.compact`.
    public func compact(threads: Int = ProcessInfo.processInfo.activeProcessorCount) async throws -> (report: CompactReport, droppedGraphNodes: Int) {
        try checkOpen()
        guard let sb = backend as? StoreBackend else { throw EngineError(.badRequest, "compact needs the durable store backend") }
        let dropped = try spaces.compactGraphs(threads: threads)
        let report: CompactReport
        do { report = try await sb.store.compact(indexSection: spaces.encode()) } catch let e as AegisError { throw StoreBackend.map(e) }
        state.withLock { $0.eventsSinceCheckpoint = 0; $0.lastCheckpoint = clock() }
        return (report, dropped)
    }
}

extension AegisEngine {
    /// Closes the engine and its backend without the final checkpoint `close()` writes (the
    /// maintenance commands have just written one).
    public func closeWithoutCheckpoint() async throws {
        let already = state.withLock { s -> Bool in defer { s.closed = true }; return s.closed }
        if already { return }
        try await backend.close()
    }
}
