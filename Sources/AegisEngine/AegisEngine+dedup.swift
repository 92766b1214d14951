import AegisCore
import AegisStorage

/// What makes two memories duplicates (§8.1 with §14.4 fixed): same project, content hash,
/// namespace, user and owner — an omitted user or agent matches only memories without one.
struct DedupKey: Hashable {
    var hash: String, namespace: String, userId: String?, agentId: String?
    init(_ r: AddMemoryRequest, hash: String) {
        self.hash = hash; namespace = r.namespace; userId = r.userId; agentId = r.agentId
    }
    init(_ m: Memory) {
        hash = m.contentHash; namespace = m.namespace; userId = m.userId; agentId = m.agentId
    }
}

/// A commit's dedup precondition failed: it would store a duplicate of `existingId` (stored,
/// or created by an earlier commit of the same write group). The caller tries again; the
/// retry is checked after that commit is applied (docs/engine.md, "Writes").
struct DuplicateFound: Error {
    var existingId: String
}

extension AegisEngine {
    /// The live memory (not expired, not deprecated) a new memory with `key` duplicates, if
    /// any: the oldest (created_at, then id).
    func findDuplicate(project: String, _ key: DedupKey) -> String? {
        let now = self.now()
        return backend.read { Self.storedDuplicate(in: $0, project: project, key: key, now: now, gone: []) }
    }

    static func storedDuplicate(in view: any TableView, project: String, key: DedupKey, now: Timestamp, gone: Set<String>) -> String? {
        var best: Memory?
        for id in view.memoryIds(projectId: project, contentHash: key.hash) where !gone.contains(id) {
            guard let m = view.memoryWithoutVector(projectId: project, id: id),
                  m.namespace == key.namespace, m.userId == key.userId, m.agentId == key.agentId,
                  !m.isDeprecated, !m.isExpired(at: now) else { continue }
            if best == nil || (m.createdAt, m.id) < (best!.createdAt, best!.id) { best = m }
        }
        return best?.id
    }

    /// The store-side half of dedup, run by the store's single writer right before the commit
    /// is logged: throws `DuplicateFound` when a memory with one of `keys` is live in the tables
    /// (and not deleted or deprecated by an earlier commit of the write group) or is created
    /// live by an earlier commit of the group. So concurrent identical adds store one memory,
    /// with no engine lock.
    static func dedupPrecondition(project: String, keys: [DedupKey], now: Timestamp) -> EnginePrecondition {
        { view, pending in
            guard !keys.isEmpty else { return }
            var gone = Set<String>()
            for e in pending {
                switch e {
                case .memoryDelete(let p, let id) where p == project: gone.insert(id)
                case .memoryDeprecate(let d) where d.projectId == project: gone.insert(d.id)
                default: continue
                }
            }
            let wanted = Set(keys)
            for case .memoryPut(let m) in pending where m.projectId == project && !gone.contains(m.id)
                && !m.isDeprecated && !m.isExpired(at: now) && wanted.contains(DedupKey(m)) {
                throw DuplicateFound(existingId: m.id)
            }
            for key in keys {
                if let id = storedDuplicate(in: view, project: project, key: key, now: now, gone: gone) {
                    throw DuplicateFound(existingId: id)
                }
            }
        }
    }

    /// Runs `attempt` (which re-reads the tables, then commits with `dedupPrecondition`) until it
    /// commits: after a `DuplicateFound` the next attempt's `findDuplicate` sees the duplicate
    /// once its commit is applied.
    func retryingDedup<T>(_ attempt: () async throws -> T) async throws -> T {
        for _ in 0..<16 {
            do { return try await attempt() } catch is DuplicateFound { continue }
        }
        throw EngineError(.unavailable, "an add kept meeting identical concurrent adds; retry the request")
    }
}
