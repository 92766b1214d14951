import AegisCore
import Dispatch

/// A consistent read view of the store, valid only inside `Store.read { view in … }`
/// (never let it or a vector buffer escape the closure). All lookups are per project.
public struct StoreView {
    let state: StoreState

    // MARK: store-wide
    /// LSN of the last commit visible in this view (0 = empty store).
    public var lastLSN: UInt64 { state.lastLSN }
    /// Commit time of that record (µs since the epoch; 0 = none).
    public var lastCommitTimestamp: Int64 { state.lastTimestamp }
    public var embeddingModel: String? { state.embeddingModel }
    /// Vector dimension (0 = not configured yet).
    public var dimension: Int { state.dimension }
    /// Projects that hold anything, sorted.
    public var projectIds: [String] { state.projects.filter { !$0.value.isEmpty }.keys.sorted() }
    public var totalMemoryCount: Int { state.liveMemories }
    /// Events skipped during replay because they could not apply (0 in a healthy store).
    public var skippedReplayEvents: Int { state.skippedEvents }

    // MARK: memories
    public func memoryCount(project: String) -> Int { state.projects[project]?.memoryById.count ?? 0 }

    /// The row (without embedding) of memory `id` in `project`.
    public func memoryRow(project: String, id: String) -> MemoryRow? { state.row(project: project, id: id) }

    /// The full memory including its embedding.
    public func memory(project: String, id: String) -> Memory? {
        guard let row = memoryRow(project: project, id: id) else { return nil }
        return row.memory(embedding: embedding(of: row))
    }

    /// The embedding of `row` as a buffer valid only inside the read closure (no copy).
    public func vector(of row: MemoryRow) -> UnsafeBufferPointer<Float> {
        guard let v = state.vectors else { return UnsafeBufferPointer(start: nil, count: 0) }
        return v.vector(row.slot)
    }
    /// The address of `row`'s embedding, valid and unchanged for as long as the store is open
    /// (vector slots are append-only: the mapped snapshot section or a tail chunk that is never
    /// moved or freed while open; a re-embedding gets a new slot). nil without vectors.
    public func stableVectorRow(of row: MemoryRow) -> UnsafePointer<Float>? {
        guard let v = state.vectors, v.dimension > 0 else { return nil }
        return v.pointer(row.slot)
    }
    /// The head of memory `id` (docs/engine.md, "Compact per-memory state") with the stable
    /// address of its embedding (see `stableVectorRow`); nil when absent or without vectors.
    public func memoryHeadWithRow(project: String, id: String) -> (MemoryHead, UnsafePointer<Float>)? {
        guard let r = state.rowNumber(project: project, id: id) else { return nil }
        return headWithRow(Int(r))
    }
    /// Calls `body` with the head and vector address of every memory of `project` until it
    /// returns false (order unspecified).
    public func forEachMemoryHeadWithRow(project: String, _ body: (MemoryHead, UnsafePointer<Float>) throws -> Bool) rethrows {
        guard let p = state.projects[project] else { return }
        for r in p.memoryById.values { if let x = headWithRow(Int(r)), try !body(x.0, x.1) { return } }
    }
    /// `memoryHeadWithRow` for many ids of one project at once (start-up: the nodes of a saved
    /// graph), decoded on two threads; nil where an id is nil or unknown.
    public func memoryHeadsWithRows(project: String, ids: [String?]) -> [(MemoryHead, UnsafePointer<Float>)?] {
        guard let p = state.projects[project], !ids.isEmpty else { return Array(repeating: nil, count: ids.count) }
        let jobs = ids.count >= 4096 ? 2 : 1
        let chunk = (ids.count + jobs - 1) / jobs
        return [(MemoryHead, UnsafePointer<Float>)?](unsafeUninitializedCapacity: ids.count) { out, initialized in
            let box = Unchecked((out: out.baseAddress!, view: self, table: p))
            DispatchQueue.concurrentPerform(iterations: jobs) { job in
                let (out, view, table) = box.value
                for i in (job * chunk)..<min(ids.count, (job + 1) * chunk) {
                    let r = ids[i].flatMap { table.memoryById[$0] }
                    (out + i).initialize(to: r.flatMap { view.headWithRow(Int($0)) })
                }
            }
            initialized = ids.count
        }
    }
    private func headWithRow(_ r: Int) -> (MemoryHead, UnsafePointer<Float>)? {
        guard let v = state.vectors, v.dimension > 0, let head = state.rows.head(r) else { return nil }
        return (head, v.pointer(state.rows.entries[r].slot))
    }
    /// A copy of the embedding of `row`.
    public func embedding(of row: MemoryRow) -> [Float] { Array(vector(of: row)) }

    /// Memories of `project` whose content hash is `contentHash` (64 hex), oldest first.
    public func memories(project: String, contentHash: String) -> [MemoryRow] {
        guard let key = HashKey(hex: contentHash), let list = state.projects[project]?.byHash[key] else { return [] }
        return list.all.compactMap { state.rows[Int($0)] }
    }

    /// Memories of `project` owned by `agentId` (nil = memories without an owner), oldest row first.
    public func memories(project: String, agentId: String?) -> [MemoryRow] {
        guard let set = state.projects[project]?.byAgent[agentId] else { return [] }
        return set.compactMap { state.rows[Int($0)] }
    }

    /// Memories of `project` in `namespace`, oldest row first.
    public func memories(project: String, namespace: String) -> [MemoryRow] {
        guard let set = state.projects[project]?.byNamespace[namespace] else { return [] }
        return set.compactMap { state.rows[Int($0)] }
    }

    /// Calls `body` for every memory of `project` (optionally only `namespace`) until it returns
    /// false. Order: unspecified (sort by `createdAt` where order matters).
    public func forEachMemory(project: String, namespace: String? = nil, _ body: (MemoryRow) throws -> Bool) rethrows {
        guard let p = state.projects[project] else { return }
        if let namespace {
            for r in p.byNamespace[namespace] ?? RowSet() { if let row = state.rows[Int(r)], try !body(row) { return } }
        } else {
            for r in p.memoryById.values { if let row = state.rows[Int(r)], try !body(row) { return } }
        }
    }

    /// Namespaces / owner agents present in `project` with their memory counts.
    public func namespaceCounts(project: String) -> [String: Int] {
        (state.projects[project]?.byNamespace ?? [:]).mapValues(\.count)
    }
    public func agentCounts(project: String) -> [String?: Int] {
        (state.projects[project]?.byAgent ?? [:]).mapValues(\.count)
    }

    // MARK: votes
    /// Vote rows of one memory, in insertion order.
    public func votes(project: String, memoryId: String) -> [Vote] {
        guard let p = state.projects[project], let r = p.memoryById[memoryId] else { return [] }
        return p.votes[r] ?? []
    }
    public func voteCount(project: String) -> Int { state.projects[project]?.voteCount ?? 0 }
    /// Calls `body` for every vote row of `project` (grouped by memory).
    public func forEachVote(project: String, _ body: (Vote) throws -> Void) rethrows {
        for (_, vs) in state.projects[project]?.votes ?? [:] { for v in vs { try body(v) } }
    }

    // MARK: sessions
    public func session(project: String, sessionId: String) -> SessionProgress? {
        state.projects[project]?.sessions[sessionId]
    }
    /// All sessions of `project`, oldest first (ties by session_id).
    public func sessions(project: String) -> [SessionProgress] {
        (state.projects[project]?.sessions.values.map { $0 } ?? [])
            .sorted { ($0.createdAt, $0.sessionId) < ($1.createdAt, $1.sessionId) }
    }

    // MARK: features
    public func feature(project: String, namespace: String, featureId: String) -> FeatureRecord? {
        state.projects[project]?.features[FeatureKey(namespace: namespace, featureId: featureId)]
    }
    /// Features of `project` (optionally only `namespace`) in creation order.
    public func features(project: String, namespace: String? = nil) -> [FeatureRecord] {
        guard let p = state.projects[project] else { return [] }
        return p.featureOrder.compactMap { k in
            guard namespace == nil || k.namespace == namespace else { return nil }
            return p.features[k]
        }
    }
}
