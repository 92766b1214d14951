import AegisCore

extension AegisEngine {
    /// `GET /memories/ace/votes/{memory_id}` (docs/api.md, "ACE"): the memory's votes with their
    /// voter, context and task, oldest first, at most `limit` (the newest ones), plus the total.
    /// Found exactly when `get` finds the memory (project-scoped, bound-key ACL, not expired).
    public func votes(project: String, memoryId: String, limit: Int = 1000, boundAgent: String? = nil) async throws -> (votes: [Vote], total: Int) {
        _ = try await get(project: project, id: memoryId, boundAgent: boundAgent)
        return try await operation {
            backend.read { view in
                var out: [Vote] = []
                view.forEachVote(projectId: project) { v in
                    if v.memoryId == memoryId { out.append(v) }
                    return true
                }
                return (Array(out.suffix(max(0, limit))), out.count)
            }
        }
    }
}
