import AegisCore
import AegisStorage

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
                // Second record: the memories' updated_at as it was before the votes.
                var restore: [StoreEvent] = []
                for (id, t) in before.sorted(by: { $0.key < $1.key }) {
                    guard let m = backend.read({ $0.memoryWithoutVector(projectId: project, id: id) }), m.updatedAt != t else { continue }
                    restore.append(.memoryUpdate(MemoryUpdate(projectId: project, id: id, updatedAt: t)))
                }
                try await commit(restore)
                return outcomes
            }
        }
    }

    /// Restores session rows as they are (ids, items, counters, status, timestamps). A session
    /// whose `session_id` already exists in the project is `.skipped` (never overwritten).
    public func importSessions(project: String, _ sessions: [SessionProgress]) async throws -> [ImportOutcome] {
        try await importRows(project: project, sessions)
    }

    /// Restores feature rows as they are (status, passes, completed_at, timestamps). A feature
    /// whose (namespace, feature_id) already exists in the project is `.skipped`.
    public func importFeatures(project: String, _ features: [FeatureRecord]) async throws -> [ImportOutcome] {
        try await importRows(project: project, features)
    }

    /// The row loop of `importSessions` and `importFeatures`, under the project's write lock:
    /// an invalid row is `.failed`; one whose key a stored row holds, or an earlier row of
    /// this call, is `.skipped` with that row's id; the rest commit as one record.
    func importRows<Row: ImportedACERow>(project: String, _ rows: [Row]) async throws -> [ImportOutcome] {
        try await operation {
            try await writeLocks.withLock(project) {
                var outcomes: [ImportOutcome] = []
                var events: [StoreEvent] = []
                var seen: [String: String] = [:]
                for row in rows {
                    if let why = row.importProblem { outcomes.append(.failed(why)); continue }
                    if let e = backend.read({ row.existingId(in: $0, project: project) }) { outcomes.append(.skipped(existingId: e)); continue }
                    if let e = seen[row.importKey] { outcomes.append(.skipped(existingId: e)); continue }
                    seen[row.importKey] = row.id
                    events.append(row.event(project: project))
                    outcomes.append(.imported(id: row.id))
                }
                try await commit(events)
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
