import AegisCore
import AegisStorage

/// The engine's `TableView` over a store view — the one read path of both backends (the
/// durable `StoreBackend` and `InMemoryBackend`), so reads see the same rows either way.
struct StoreTableView: TableView {
    let v: StoreView
    func memory(projectId: String, id: String) -> Memory? { v.memory(project: projectId, id: id) }
    func memoryWithoutVector(projectId: String, id: String) -> Memory? {
        v.memoryRow(project: projectId, id: id).map(Self.memory)
    }
    func memoryHeadWithRow(projectId: String, id: String) -> (MemoryHead, UnsafePointer<Float>)? {
        v.memoryHeadWithRow(project: projectId, id: id)
    }
    func memoryHeadsWithRows(projectId: String, ids: [String?]) -> [(MemoryHead, UnsafePointer<Float>)?] {
        v.memoryHeadsWithRows(project: projectId, ids: ids)
    }
    func forEachMemoryHeadWithRow(projectId: String, _ body: (MemoryHead, UnsafePointer<Float>) throws -> Bool) rethrows {
        try v.forEachMemoryHeadWithRow(project: projectId, body)
    }
    /// The memory of row `r` without its vector (content hash included).
    static func memory(_ r: MemoryRow) -> Memory {
        r.memory(embedding: [])
    }
    func memoryIds(projectId: String, contentHash: String) -> [String] {
        v.memories(project: projectId, contentHash: contentHash).map(\.id)
    }
    func forEachMemory(projectId: String, _ body: (Memory) throws -> Bool) rethrows {
        try v.forEachMemory(project: projectId) { row in try body(row.memory(embedding: [])) }
    }
    func forEachMemoryWithEmbedding(projectId: String, _ body: (Memory) throws -> Bool) rethrows {
        try v.forEachMemory(project: projectId) { row in try body(row.memory(embedding: v.embedding(of: row))) }
    }
    func memoryCount(projectId: String) -> Int { v.memoryCount(project: projectId) }
    func session(projectId: String, sessionId: String) -> SessionProgress? { v.session(project: projectId, sessionId: sessionId) }
    func forEachSession(projectId: String, _ body: (SessionProgress) throws -> Bool) rethrows {
        for s in v.sessions(project: projectId) { if try !body(s) { return } }
    }
    func feature(projectId: String, namespace: String, featureId: String) -> FeatureRecord? {
        v.feature(project: projectId, namespace: namespace, featureId: featureId)
    }
    func forEachFeature(projectId: String, _ body: (FeatureRecord) throws -> Bool) rethrows {
        for f in v.features(project: projectId) { if try !body(f) { return } }
    }
    func forEachVote(projectId: String, _ body: (Vote) throws -> Bool) rethrows {
        var stop = false
        try v.forEachVote(project: projectId) { vote in
            if stop { return }
            if try !body(vote) { stop = true }
        }
    }
    func projectIds() -> [String] { v.projectIds }
}

extension StoreTableView {
    /// An engine precondition as the store runs it (both backends).
    static func storePrecondition(_ p: EnginePrecondition?) -> StorePrecondition? {
        guard let p else { return nil }
        return { @Sendable (view: StoreView, pending: [StoreEvent]) throws in try p(StoreTableView(v: view), pending) }
    }
}
