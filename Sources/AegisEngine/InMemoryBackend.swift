import AegisCore
import AegisVector

/// Non-durable tables in process memory: the reference semantics of `EngineBackend`, used by
/// unit tests of engine rules and by `AegisEngine.inMemory`. Never used by `serve`.
public final class InMemoryBackend: EngineBackend, @unchecked Sendable {
    struct Project {
        var memories: [String: Memory] = [:]
        var order: [String] = []            // insertion order of memory ids (may hold deleted ids)
        var byHash: [String: [String]] = [:]
        var sessions: [String: SessionProgress] = [:]
        var features: [String: FeatureRecord] = [:]   // key "namespace\u{0}featureId"
        var featureOrder: [String] = []
        var votes: [Vote] = []
        /// Memory id → its stored row in `Tables.rows` (see `vectorRow`).
        var rowOf: [String: UnsafePointer<Float>] = [:]
    }
    struct Tables: TableView {
        var projects: [String: Project] = [:]
        var model: (String, Int)?
        var indexSection: [UInt8]?
        /// Stored rows of embeddings (append-only, stable addresses, as the store's arena).
        var rows: StableVectorRows?
        /// Commits so far (the LSN of the newest) and the LSN of the checkpointed index.
        var lsn: UInt64 = 0
        var indexLSN: UInt64 = 0

        func memory(projectId: String, id: String) -> Memory? { projects[projectId]?.memories[id] }
        func memoryIds(projectId: String, contentHash: String) -> [String] { projects[projectId]?.byHash[contentHash] ?? [] }
        func forEachMemory(projectId: String, _ body: (Memory) throws -> Bool) rethrows {
            guard let p = projects[projectId] else { return }
            for id in p.order { if let m = p.memories[id] { if try !body(m) { return } } }
        }
        func forEachMemoryWithEmbedding(projectId: String, _ body: (Memory) throws -> Bool) rethrows {
            try forEachMemory(projectId: projectId, body)
        }
        func vectorRow(projectId: String, id: String) -> UnsafePointer<Float>? { projects[projectId]?.rowOf[id] }
        func memoryCount(projectId: String) -> Int { projects[projectId]?.memories.count ?? 0 }
        func session(projectId: String, sessionId: String) -> SessionProgress? { projects[projectId]?.sessions[sessionId] }
        func forEachSession(projectId: String, _ body: (SessionProgress) throws -> Bool) rethrows {
            guard let p = projects[projectId] else { return }
            for s in p.sessions.values.sorted(by: { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }) { if try !body(s) { return } }
        }
        func feature(projectId: String, namespace: String, featureId: String) -> FeatureRecord? {
            projects[projectId]?.features[namespace + "\u{0}" + featureId]
        }
        func forEachFeature(projectId: String, _ body: (FeatureRecord) throws -> Bool) rethrows {
            guard let p = projects[projectId] else { return }
            for k in p.featureOrder { if let f = p.features[k] { if try !body(f) { return } } }
        }
        func forEachVote(projectId: String, _ body: (Vote) throws -> Bool) rethrows {
            guard let p = projects[projectId] else { return }
            for v in p.votes { if try !body(v) { return } }
        }
        func projectIds() -> [String] { projects.keys.sorted() }

        mutating func apply(_ c: EngineChange) {
            switch c {
            case .putMemory(let m):
                var p = projects[m.projectId] ?? Project()
                if let old = p.memories[m.id] {
                    if old.contentHash != m.contentHash { p.byHash[old.contentHash]?.removeAll { $0 == m.id } }
                } else {
                    p.order.append(m.id)
                }
                if !(p.byHash[m.contentHash]?.contains(m.id) ?? false) { p.byHash[m.contentHash, default: []].append(m.id) }
                // A new vector is a new row (never rewritten in place), as in the store.
                if !m.embedding.isEmpty, p.memories[m.id]?.embedding != m.embedding || p.rowOf[m.id] == nil {
                    if rows == nil { rows = StableVectorRows(dimension: m.embedding.count) }
                    // One dimension per store (the engine checks it before writing).
                    p.rowOf[m.id] = rows!.dimension == m.embedding.count ? rows!.append(m.embedding) : nil
                }
                p.memories[m.id] = m
                projects[m.projectId] = p
            case .deleteMemory(let pid, let id):
                guard var p = projects[pid], let old = p.memories.removeValue(forKey: id) else { return }
                p.byHash[old.contentHash]?.removeAll { $0 == id }
                if p.byHash[old.contentHash]?.isEmpty ?? false { p.byHash[old.contentHash] = nil }
                p.order.removeAll { $0 == id }
                p.votes.removeAll { $0.memoryId == id }
                p.rowOf[id] = nil
                projects[pid] = p
            case .vote(let v):
                guard var p = projects[v.projectId], var m = p.memories[v.memoryId] else { return }
                if v.vote == .helpful { m.bulletHelpful += 1 } else { m.bulletHarmful += 1 }
                m.updatedAt = v.createdAt
                p.memories[m.id] = m
                p.votes.append(v)
                projects[v.projectId] = p
            case .putSession(let s):
                projects[s.projectId, default: Project()].sessions[s.sessionId] = s
            case .putFeature(let f):
                let key = f.namespace + "\u{0}" + f.featureId
                var p = projects[f.projectId] ?? Project()
                if p.features[key] == nil { p.featureOrder.append(key) }
                p.features[key] = f
                projects[f.projectId] = p
            }
        }
    }

    private let tables = Locked(Tables())
    private let readOnly = Locked<String?>(nil)

    public init() {}

    public func commit(_ changes: [EngineChange]) async throws {
        if let why = readOnlyReason() { throw EngineError(.unavailable, "store is read-only: \(why)") }
        try tables.withLock { t in
            // Validate the whole batch first (all-or-nothing), as the store does.
            var deleted = Set<String>()
            for c in changes {
                switch c {
                case .vote(let v):
                    guard t.memory(projectId: v.projectId, id: v.memoryId) != nil, !deleted.contains(v.memoryId) else {
                        throw EngineError(.notFound, "memory \(v.memoryId) not found")
                    }
                case .deleteMemory(let p, let id):
                    guard t.memory(projectId: p, id: id) != nil, deleted.insert(id).inserted else {
                        throw EngineError(.notFound, "memory \(id) not found")
                    }
                default: continue
                }
            }
            for c in changes { t.apply(c) }
            t.lsn += 1
        }
    }

    public func read<T>(_ body: (any TableView) throws -> T) rethrows -> T {
        try tables.withLock { t in try body(t) }
    }

    public func embeddingModel() -> (name: String, dimension: Int)? {
        tables.withLock { t in t.model.map { (name: $0.0, dimension: $0.1) } }
    }
    public func recordEmbeddingModel(name: String, dimension: Int) async throws {
        tables.withLock { t in t.model = (name, dimension) }
    }
    public func loadedIndexSection() -> [UInt8]? { tables.withLock { $0.indexSection } }
    public func checkpoint(indexSection: [UInt8], indexLSN: UInt64) async throws {
        tables.withLock { $0.indexSection = indexSection; $0.indexLSN = indexLSN }
    }
    public func committedLSN() -> UInt64 { tables.withLock { $0.lsn } }
    /// The LSN the last checkpointed index reflects (tests).
    public var checkpointedIndexLSN: UInt64 { tables.withLock { $0.indexLSN } }
    public func readOnlyReason() -> String? { readOnly.withLock { $0 } }
    public func reembeddedSinceIndex() -> Set<String> { [] }
    /// Test hook: make writes fail as after a failed fsync.
    public func setReadOnly(_ reason: String?) { readOnly.withLock { $0 = reason } }
    public func close() async throws {}
}
