import AegisCore

extension AegisEngine {
    /// The newest memories a reader may see (the MCP resource `aegis://memories/recent`,
    /// docs/mcp.md): one namespace, not expired, not deprecated, newest first, at most `limit`
    /// (1...100). An agent-bound caller reads as that agent (the access rule of every read path);
    /// an unbound caller has the project-wide view REST's export and GET give an unbound key.
    public func recentMemories(project: String, namespace: String = "default", limit: Int = 20,
                               boundAgent: String? = nil) async throws -> [MemoryOut] {
        try await operation {
            var v = Validator(.key("body"))
            v.int(limit, [.key("limit")], min: 1, max: 100)
            try v.check()
            let filter = MemoryFilter(reader: boundAgent.map { .agent($0) } ?? .unrestricted, namespace: namespace,
                                      notExpiredAt: now())
            return newest(project: project, filter: filter, limit: limit).map { memoryOut($0, score: nil) }
        }
    }
}
