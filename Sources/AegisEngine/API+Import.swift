import AegisCore

/// Migration import of the ACE tables (`vote_history`, `session_progress`, `feature_tracker`):
/// rows keep their ids, timestamps and counters. Used by AegisExport's `EngineImporter`
/// (`aegis-memory import FILE.sql` / `--from-postgres`); memories go through `importMemories`.
extension AegisEngine {
    /// Restores vote rows. Each vote row increments its memory's counter exactly as a live vote
    /// does (the store's invariant: counters move only with vote rows), so a caller that wants
    /// the source's stored counters imports the memory with `stored − votes` first and the votes
    /// after it (`EngineImporter` does). With `keepUpdatedAt` the memory's `updated_at` is put
    /// back to its value before these votes (a vote sets it to the vote's time), so imported
    /// memories keep their stored timestamps.
    ///
    /// Per vote: `.imported(id)`, or `.failed` (its memory is not in the project, a field is
    /// invalid). Valid votes of one call are committed as one atomic record.
    public func importVotes(project: String, _ votes: [Vote], keepUpdatedAt: Bool = true) async throws -> [ImportOutcome] {
        try await operation {
            try await writeLocks.withLock(project) {
                var outcomes = [ImportOutcome](repeating: .failed(""), count: votes.count)
                var accepted: [Vote] = []
                var before: [String: Timestamp] = [:]
                for (i, v) in votes.enumerated() {
                    if let why = Self.voteProblem(v) { outcomes[i] = .failed(why); continue }
                    guard let m = backend.read({ $0.memory(projectId: project, id: v.memoryId) }) else {
                        outcomes[i] = .failed("vote \(v.id): memory \(v.memoryId) is not in project \(project)"); continue
                    }
                    if before[m.id] == nil { before[m.id] = m.updatedAt }
                    var row = v
                    row.projectId = project
                    accepted.append(row)
                    outcomes[i] = .imported(id: v.id)
                }
                try await commit(accepted.map { .vote($0) })
                guard keepUpdatedAt else { return outcomes }
                // Second record: the memories' updated_at as it was before the votes. The
                // embedding is left out so the change is an updated_at-only memoryUpdate.
                var restore: [EngineChange] = []
                for (id, t) in before.sorted(by: { $0.key < $1.key }) {
                    guard var m = backend.read({ $0.memory(projectId: project, id: id) }), m.updatedAt != t else { continue }
                    m.updatedAt = t
                    m.embedding = []
                    restore.append(.putMemory(m))
                }
                try await commit(restore)
                return outcomes
            }
        }
    }

    /// Restores session rows as they are (ids, items, counters, status, timestamps). A session
    /// whose `session_id` already exists in the project is `.skipped` (never overwritten).
    public func importSessions(project: String, _ sessions: [SessionProgress]) async throws -> [ImportOutcome] {
        try await operation {
            try await writeLocks.withLock(project) {
                var outcomes: [ImportOutcome] = []
                var changes: [EngineChange] = []
                var seen: [String: String] = [:]
                for s in sessions {
                    var v = Validator(root: [.key("session_progress")])
                    v.string(s.id, [.key("id")], min: 1, max: 32)
                    v.string(s.sessionId, [.key("session_id")], min: 1, max: 64)
                    v.string(s.agentId, [.key("agent_id")], max: 64)
                    v.string(s.userId, [.key("user_id")], max: 64)
                    v.string(s.namespace, [.key("namespace")], max: 64)
                    v.string(s.inProgressItem, [.key("in_progress_item")], max: 256)
                    v.string(s.status.rawValue, [.key("status")], min: 1, max: 16)
                    if s.totalItems < 0 || s.completedCount < 0 { v.add([.key("total_items")], "value_error", "counters must be ≥ 0", nil) }
                    if !v.issues.isEmpty { outcomes.append(.failed("session \(s.sessionId): " + v.issues.map(\.description).joined(separator: "; "))); continue }
                    if let e = backend.read({ $0.session(projectId: project, sessionId: s.sessionId) }) { outcomes.append(.skipped(existingId: e.id)); continue }
                    if let e = seen[s.sessionId] { outcomes.append(.skipped(existingId: e)); continue }
                    seen[s.sessionId] = s.id
                    var row = s
                    row.projectId = project
                    changes.append(.putSession(row))
                    outcomes.append(.imported(id: s.id))
                }
                try await commit(changes)
                return outcomes
            }
        }
    }

    /// Restores feature rows as they are (status, passes, completed_at, timestamps). A feature
    /// whose (namespace, feature_id) already exists in the project is `.skipped`.
    public func importFeatures(project: String, _ features: [FeatureRecord]) async throws -> [ImportOutcome] {
        try await operation {
            try await writeLocks.withLock(project) {
                var outcomes: [ImportOutcome] = []
                var changes: [EngineChange] = []
                var seen: [String: String] = [:]
                for f in features {
                    var v = Validator(root: [.key("feature_tracker")])
                    v.string(f.id, [.key("id")], min: 1, max: 32)
                    v.string(f.featureId, [.key("feature_id")], min: 1, max: 128)
                    v.string(f.sessionId, [.key("session_id")], max: 64)
                    v.string(f.namespace, [.key("namespace")], max: 64)
                    v.string(f.category, [.key("category")], max: 64)
                    v.string(f.status.rawValue, [.key("status")], min: 1, max: 16)
                    v.string(f.implementedBy, [.key("implemented_by")], max: 64)
                    v.string(f.verifiedBy, [.key("verified_by")], max: 64)
                    if !v.issues.isEmpty { outcomes.append(.failed("feature \(f.featureId): " + v.issues.map(\.description).joined(separator: "; "))); continue }
                    let key = f.namespace + "\u{0}" + f.featureId
                    if let e = backend.read({ $0.feature(projectId: project, namespace: f.namespace, featureId: f.featureId) }) {
                        outcomes.append(.skipped(existingId: e.id)); continue
                    }
                    if let e = seen[key] { outcomes.append(.skipped(existingId: e)); continue }
                    seen[key] = f.id
                    var row = f
                    row.projectId = project
                    changes.append(.putFeature(row))
                    outcomes.append(.imported(id: f.id))
                }
                try await commit(changes)
                return outcomes
            }
        }
    }

    static func voteProblem(_ v: Vote) -> String? {
        if v.id.isEmpty || v.id.utf8.count > 32 { return "vote id must be 1…32 characters" }
        if v.memoryId.isEmpty || v.memoryId.utf8.count > 32 { return "vote \(v.id): memory_id must be 1…32 characters" }
        if v.voterAgentId.isEmpty || v.voterAgentId.unicodeScalars.count > 64 { return "vote \(v.id): voter_agent_id must be 1…64 characters" }
        if let t = v.taskId, t.unicodeScalars.count > 64 { return "vote \(v.id): task_id longer than 64 characters" }
        return nil
    }
}
