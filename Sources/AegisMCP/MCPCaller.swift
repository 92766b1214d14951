/// Who an MCP request runs as: the API key's project and, for an agent-bound key, the agent it
/// is bound to (docs/mcp.md, "Keys and isolation"). The HTTP layer builds it from the
/// authenticated key; `aegis-memory mcp` builds it from its options.
public struct MCPCaller: Sendable, Equatable {
    public var project: String
    /// A bound caller can only act as this agent (the engine enforces it, as for REST).
    public var boundAgent: String?
    public init(project: String, boundAgent: String? = nil) {
        self.project = project; self.boundAgent = boundAgent
    }
}
