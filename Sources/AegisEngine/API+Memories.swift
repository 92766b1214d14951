import AegisCore

// Request and response values of the core memory routes (§3–§4). Field order mirrors the
// wire JSON declaration order; Swift names are the camel-cased wire names.

/// Body of `POST /memories/add` and one item of `add_batch` (`MemoryCreate`).
/// `scope` is the raw string so the engine can reject invalid values with the 1.2 422.
public struct AddMemoryRequest: Sendable, Equatable {
    public var content: String
    public var userId: String?
    public var agentId: String?
    public var namespace: String
    public var metadata: JSONObject?
    public var ttlSeconds: Int?
    public var scope: String?
    public var sharedWithAgents: [String]?
    public var derivedFromAgents: [String]?
    public var coordinationMetadata: JSONObject?

    public init(content: String, userId: String? = nil, agentId: String? = nil, namespace: String = "default",
                metadata: JSONObject? = nil, ttlSeconds: Int? = nil, scope: String? = nil,
                sharedWithAgents: [String]? = nil, derivedFromAgents: [String]? = nil,
                coordinationMetadata: JSONObject? = nil) {
        self.content = content; self.userId = userId; self.agentId = agentId; self.namespace = namespace
        self.metadata = metadata; self.ttlSeconds = ttlSeconds; self.scope = scope
        self.sharedWithAgents = sharedWithAgents; self.derivedFromAgents = derivedFromAgents
        self.coordinationMetadata = coordinationMetadata
    }
}

/// `{"id", "deduped_from", "inferred_scope"}` (§3.2).
public struct AddResult: Sendable, Equatable {
    public var id: String
    public var dedupedFrom: String?
    public var inferredScope: String?
    public init(id: String, dedupedFrom: String?, inferredScope: String?) {
        self.id = id; self.dedupedFrom = dedupedFrom; self.inferredScope = inferredScope
    }
}

/// Body of `POST /memories/add_batch`: 1...100 items.
public struct AddBatchRequest: Sendable, Equatable {
    public var items: [AddMemoryRequest]
    public init(items: [AddMemoryRequest]) { self.items = items }
}

/// `{"results", "embeddings_cached", "total_time_ms"}`. `embeddingsCached` counts, for this
/// request only, items that needed no new embedding (dedup hits and repeats inside the batch).
/// Unlike 1.2, `inferred_scope` is reported for new items whose scope was inferred.
public struct AddBatchResponse: Sendable, Equatable {
    public var results: [AddResult]
    public var embeddingsCached: Int
    public var totalTimeMs: Double
}

/// Body of `POST /memories/query` (`MemoryQuery`). `efSearch` is an engine extension (not a
/// 1.2 wire field); nil = the engine default.
public struct QueryRequest: Sendable, Equatable {
    public var query: String
    public var userId: String?
    public var agentId: String?
    public var namespace: String
    public var topK: Int
    public var minScore: Double
    public var efSearch: Int?
    /// nil = the configured default (docs/hybrid-retrieval.md).
    public var retrieval: Retrieval?
    public init(query: String, userId: String? = nil, agentId: String? = nil, namespace: String = "default",
                topK: Int = 10, minScore: Double = 0.0, efSearch: Int? = nil, retrieval: Retrieval? = nil) {
        self.query = query; self.userId = userId; self.agentId = agentId; self.namespace = namespace
        self.topK = topK; self.minScore = minScore; self.efSearch = efSearch; self.retrieval = retrieval
    }
}

/// Body of `POST /memories/query_cross_agent`.
public struct CrossAgentQueryRequest: Sendable, Equatable {
    public var query: String
    public var requestingAgentId: String
    public var targetAgentIds: [String]?
    public var userId: String?
    public var namespace: String
    public var topK: Int
    public var minScore: Double
    public var efSearch: Int?
    /// nil = the configured default (docs/hybrid-retrieval.md).
    public var retrieval: Retrieval?
    public init(query: String, requestingAgentId: String, targetAgentIds: [String]? = nil, userId: String? = nil,
                namespace: String = "default", topK: Int = 10, minScore: Double = 0.0, efSearch: Int? = nil,
                retrieval: Retrieval? = nil) {
        self.query = query; self.requestingAgentId = requestingAgentId; self.targetAgentIds = targetAgentIds
        self.userId = userId; self.namespace = namespace; self.topK = topK; self.minScore = minScore
        self.efSearch = efSearch; self.retrieval = retrieval
    }
}

/// `MemoryOut` (§3.1): the 12 fields of 1.2 in order, then the fields 1.2 lacked (§14.13),
/// which the SDK reads with defaults (`memory_type`, `bullet_helpful`, `bullet_harmful`) or
/// ignores. The HTTP layer decides which of the extra fields it emits.
public struct MemoryOut: Sendable, Equatable {
    public var id: String
    public var content: String
    public var userId: String?
    public var agentId: String?
    public var namespace: String
    public var metadata: JSONObject
    public var createdAt: Timestamp
    public var scope: String
    public var sharedWithAgents: [String]
    public var derivedFromAgents: [String]
    public var coordinationMetadata: JSONObject
    /// Similarity (1 − cosine distance) for query routes; nil for GET.
    public var score: Double?
    // Extensions beyond 1.2:
    public var memoryType: String
    public var bulletHelpful: Int
    public var bulletHarmful: Int
    public var effectivenessScore: Double
    public var expiresAt: Timestamp?
    public var updatedAt: Timestamp
    public var isDeprecated: Bool
    public var supersededBy: String?
}

/// `{"memories": [...], "query_time_ms"}`.
public struct QueryResponse: Sendable, Equatable {
    public var memories: [MemoryOut]
    public var queryTimeMs: Double
}

/// Body of `POST /memories/handoff`.
public struct HandoffRequest: Sendable, Equatable {
    public var sourceAgentId: String
    public var targetAgentId: String
    public var namespace: String
    public var userId: String?
    public var taskContext: String?
    public var maxMemories: Int
    public init(sourceAgentId: String, targetAgentId: String, namespace: String = "default", userId: String? = nil,
                taskContext: String? = nil, maxMemories: Int = 20) {
        self.sourceAgentId = sourceAgentId; self.targetAgentId = targetAgentId; self.namespace = namespace
        self.userId = userId; self.taskContext = taskContext; self.maxMemories = maxMemories
    }
}

/// `HandoffBaton` (§4.5), fields in wire order.
public struct HandoffBaton: Sendable, Equatable {
    public var sourceAgentId: String
    public var targetAgentId: String
    public var namespace: String
    public var userId: String?
    public var taskContext: String?
    public var summary: String?
    public var activeTasks: [String]
    public var blockedOn: [String]
    public var recentDecisions: [String]
    public var keyFacts: [String]
    public var memoryIds: [String]
}

/// Body of `POST /memories/export` minus the format (formats live in AegisExport).
/// Empty strings mean "all", like nil (§4.8).
public struct ExportFilter: Sendable, Equatable {
    public var namespace: String?
    public var agentId: String?
    public var limit: Int?
    /// Expired memories are left out by default (§14.5); deprecated ones are exported (they
    /// carry their deprecation state, so export → import round-trips it).
    public var includeExpired: Bool
    public var includeDeprecated: Bool
    public init(namespace: String? = nil, agentId: String? = nil, limit: Int? = nil,
                includeExpired: Bool = false, includeDeprecated: Bool = true) {
        self.namespace = namespace; self.agentId = agentId; self.limit = limit
        self.includeExpired = includeExpired; self.includeDeprecated = includeDeprecated
    }
}
