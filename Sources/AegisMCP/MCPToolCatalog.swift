import MCP

/// The tools `/mcp` and `aegis-memory mcp` offer (docs/mcp.md, "Tools"). Names and fields follow
/// the original Aegis MCP server; arguments are the same JSON fields as the REST bodies
/// (docs/api.md), flat, or wrapped as `{"input_data": {...}}`.
enum MCPToolCatalog {
    typealias S = MCPSchema

    static let tools: [Tool] = [
        Tool(name: "add_memory", description: """
            Store a memory (a fact, decision, preference or result) so that this agent or others can recall it later. \
            Identical content from the same agent in the same namespace is deduplicated (the existing id is returned). \
            Returns {"id", "deduped_from", "inferred_scope"}.
            """,
             inputSchema: S.object([
                ("content", S.string("The text to remember.", minLength: 1, maxLength: 100_000)),
                ("agent_id", S.string("Id of the agent that owns the memory. An agent-bound API key may only use its own agent.", maxLength: 64)),
                S.userId, S.namespace,
                ("scope", S.string("""
                    Who may read it: agent-private (only the owner), agent-shared (the owner and shared_with_agents), \
                    global (every agent). Omitted: inferred from the content and agent_id.
                    """, oneOf: S.scopes)),
                ("shared_with_agents", S.strings("Agents that may read an agent-shared memory.")),
                ("derived_from_agents", S.strings("Agents whose memories this one was derived from (provenance only).")),
                ("metadata", S.freeObject("Any JSON object stored with the memory.")),
                ("ttl_seconds", S.integer("Forget the memory after this many seconds.", minimum: 1, maximum: 31_536_000)),
                ("coordination_metadata", S.freeObject("Free-form coordination data for multi-agent workflows.")),
             ], required: ["content"]),
             annotations: .init(title: "Add memory", readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false)),
        Tool(name: "query_memory", description: """
            Semantic search over memories. With agent_id: that agent's own memories; without: global memories. \
            Expired and deprecated memories are left out. Returns {"memories": [...with "score"], "query_time_ms"}.
            """,
             // Extension point (docs/mcp.md): the hybrid-retrieval options (`retrieval`) join here
             // and in RequestDecoding.query once the engine has them.
             inputSchema: S.object([
                ("query", S.string("What to look for, in natural language.", minLength: 1, maxLength: 10_000)),
                ("agent_id", S.string("Search this agent's memories (as that agent).")),
                S.userId, S.namespace, S.topK, S.minScore,
             ], required: ["query"]),
             annotations: .init(title: "Query memory", readOnlyHint: true)),
        Tool(name: "cross_agent_query", description: """
            Search memories of other agents that the requesting agent is allowed to read: global memories, \
            its own, and agent-shared memories shared with it. Private memories of other agents are never returned. \
            Returns {"memories": [...], "query_time_ms"}.
            """,
             inputSchema: S.object([
                ("query", S.string("What to look for, in natural language.", minLength: 1, maxLength: 10_000)),
                ("requesting_agent_id", S.string("The agent asking; reads run with its permissions.", minLength: 1, maxLength: 64)),
                ("target_agent_ids", S.strings("Only memories owned by these agents (default: any owner).")),
                S.userId, S.namespace, S.topK, S.minScore,
             ], required: ["query", "requesting_agent_id"]),
             annotations: .init(title: "Cross-agent query", readOnlyHint: true)),
        Tool(name: "vote_memory", description: """
            Record whether a memory helped ("helpful") or misled ("harmful") an agent; votes rank playbook entries. \
            Returns {"memory_id", "bullet_helpful", "bullet_harmful", "effectiveness_score"}.
            """,
             inputSchema: S.object([
                S.memoryId,
                ("vote", S.string("helpful or harmful.", oneOf: ["helpful", "harmful"])),
                ("voter_agent_id", S.string("The agent voting.", minLength: 1, maxLength: 64)),
                ("context", S.string("Why, in a sentence (optional).", maxLength: 1000)),
                ("task_id", S.string("Task the vote relates to (optional).", maxLength: 64)),
             ], required: ["memory_id", "vote", "voter_agent_id"]),
             annotations: .init(title: "Vote on memory", readOnlyHint: false, idempotentHint: false)),
        Tool(name: "add_reflection", description: """
            Store a lesson learned (what went wrong and the correct approach) as a reflection memory that \
            get_playbook returns for similar future tasks. Returns {"id", "memory_type", "scope", "effectiveness_score"}.
            """,
             inputSchema: S.object([
                ("content", S.string("The lesson, in plain words.", minLength: 1, maxLength: 100_000)),
                ("agent_id", S.string("The agent that learned it.", minLength: 1, maxLength: 64)),
                S.userId, S.namespace,
                ("source_trajectory_id", S.string("Id of the run/trajectory it came from.", maxLength: 64)),
                ("error_pattern", S.string("Short name of the mistake, e.g. \"off-by-one in pagination\".", maxLength: 128)),
                ("correct_approach", S.string("What to do instead.", maxLength: 10_000)),
                ("applicable_contexts", S.strings("Situations where the lesson applies.")),
                ("scope", S.string("Who may read it (default global).", oneOf: S.scopes)),
                ("metadata", S.freeObject("Any JSON object stored with the reflection.")),
             ], required: ["content", "agent_id"]),
             annotations: .init(title: "Add reflection", readOnlyHint: false)),
        Tool(name: "update_session", description: """
            Track progress of a long task across context windows: creates the session on first use, then applies \
            the given changes (completed items are appended; the rest replace). Returns the whole session state.
            """,
             inputSchema: S.object([
                ("session_id", S.string("Your id for the session (e.g. the task name).", minLength: 1, maxLength: 64)),
                ("agent_id", S.string("Agent owning the session (used when it is created).", maxLength: 64)),
                S.userId, S.namespace,
                ("completed_items", S.strings("Items finished since the last update (appended, no duplicates).")),
                ("in_progress_item", S.string("The item being worked on now (\"\" clears it).", maxLength: 256)),
                ("next_items", S.strings("Items still to do, in order (replaces the list).")),
                ("blocked_items", S.objects("Blocked items, e.g. [{\"item\": \"deploy\", \"reason\": \"no credentials\"}] (replaces the list).")),
                ("summary", S.string("Summary of the state so far.")),
                ("last_action", S.string("The last thing done.")),
                ("status", S.string("Session status.", oneOf: ["active", "paused", "completed", "failed"])),
                ("total_items", S.integer("Total number of items, if known.", minimum: 0)),
             ], required: ["session_id"]),
             annotations: .init(title: "Update session", readOnlyHint: false)),
        Tool(name: "list_features", description: """
            List tracked features (units of work with pass/fail state) in a namespace, optionally of one session or \
            status. Returns {"features", "total", "passing", "failing", "in_progress"}.
            """,
             inputSchema: S.object([
                S.namespace,
                ("session_id", S.string("Only features of this session.")),
                ("status", S.string("Only features with this status.",
                                    oneOf: ["not_started", "in_progress", "blocked", "testing", "complete", "failed"])),
             ]),
             annotations: .init(title: "List features", readOnlyHint: true)),
        Tool(name: "get_memory", description: "Fetch one memory by id. Returns the memory with all its fields.",
             inputSchema: S.object([S.memoryId], required: ["memory_id"]),
             annotations: .init(title: "Get memory", readOnlyHint: true)),
        Tool(name: "delete_memory", description: """
            Delete a memory permanently (with its votes). An agent-bound key may delete only its agent's own memories. \
            Returns {"deleted": true, "memory_id"}.
            """,
             inputSchema: S.object([S.memoryId], required: ["memory_id"]),
             annotations: .init(title: "Delete memory", readOnlyHint: false, destructiveHint: true, idempotentHint: false)),
        Tool(name: "handoff", description: """
            Hand a task from one agent to another: collects the source agent's memories that the target may read into \
            a baton (summary, active tasks, blocked items, decisions, key facts, memory ids).
            """,
             inputSchema: S.object([
                ("source_agent_id", S.string("Agent handing the task over.", minLength: 1, maxLength: 64)),
                ("target_agent_id", S.string("Agent taking it over.", minLength: 1, maxLength: 64)),
                S.namespace, S.userId,
                ("task_context", S.string("What the task is; ranks the source's memories by relevance to it.")),
                ("max_memories", S.integer("How many memories to include at most.", minimum: 1, maximum: 100, default: 20)),
             ], required: ["source_agent_id", "target_agent_id"]),
             annotations: .init(title: "Handoff", readOnlyHint: true)),
        Tool(name: "get_playbook", description: """
            Before starting a task, fetch the strategies and reflections (lessons) relevant to it, best-voted first. \
            Returns {"entries": [...], "query_time_ms"}.
            """,
             inputSchema: S.object([
                ("query", S.string("The task about to be done.", minLength: 1, maxLength: 10_000)),
                ("agent_id", S.string("The agent asking; reads run with its permissions.", minLength: 1, maxLength: 64)),
                S.namespace,
                ("include_types", S.strings("Memory types to include (default strategy and reflection).",
                                            oneOf: ["standard", "reflection", "progress", "feature", "strategy"])),
                ("top_k", S.integer("How many entries at most.", minimum: 1, maximum: 100, default: 20)),
                ("min_effectiveness", S.number("Leave out entries voted below this effectiveness (-1 to 1).",
                                               minimum: -1, maximum: 1, default: -1)),
             ], required: ["query", "agent_id"]),
             annotations: .init(title: "Get playbook", readOnlyHint: true)),
        Tool(name: "update_feature", description: """
            Create or update a tracked feature. A feature that does not exist yet is created when description is given; \
            then status, passes and notes are applied (passes=true means status complete). Returns the feature.
            """,
             inputSchema: S.object([
                ("feature_id", S.string("Your id for the feature.", minLength: 1, maxLength: 128)),
                S.namespace,
                ("description", S.string("What the feature is (needed to create it).", maxLength: 10_000)),
                ("session_id", S.string("Session the feature belongs to (on creation).")),
                ("category", S.string("Category (on creation).")),
                ("test_steps", S.strings("How to verify it (on creation).")),
                ("status", S.string("New status.", oneOf: ["not_started", "in_progress", "blocked", "testing", "complete", "failed"])),
                ("passes", S.boolean("Whether it passes its tests.")),
                ("implemented_by", S.string("Agent that implemented it.")),
                ("verified_by", S.string("Agent that verified it.")),
                ("implementation_notes", S.string("Notes on the implementation.")),
                ("failure_reason", S.string("Why it fails.")),
             ], required: ["feature_id"]),
             annotations: .init(title: "Update feature", readOnlyHint: false)),
    ]

    static let names: Set<String> = Set(tools.map(\.name))
}
