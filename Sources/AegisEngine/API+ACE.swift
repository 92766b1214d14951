import AegisCore

// Request and response values of the ACE routes (§5.1–§5.4).

/// Body of `POST /memories/ace/vote/{memory_id}`. `vote` is the raw string (422 unless
/// `helpful` / `harmful`).
public struct VoteRequest: Sendable, Equatable {
    public var vote: String
    public var voterAgentId: String
    public var context: String?
    public var taskId: String?
    public init(vote: String, voterAgentId: String, context: String? = nil, taskId: String? = nil) {
        self.vote = vote; self.voterAgentId = voterAgentId; self.context = context; self.taskId = taskId
    }
}

/// `{"memory_id", "bullet_helpful", "bullet_harmful", "effectiveness_score"}`.
public struct VoteResponse: Sendable, Equatable {
    public var memoryId: String
    public var bulletHelpful: Int
    public var bulletHarmful: Int
    public var effectivenessScore: Double
}

/// One delta operation (§5.2). `type` is the raw string (422 unless add/update/deprecate).
public struct DeltaOperation: Sendable, Equatable {
    public var type: String
    public var content: String?
    /// nil → `standard`. Must be one of the §8.7 memory types (422 otherwise, §14.8).
    public var memoryType: String?
    public var agentId: String?
    public var userId: String?
    public var namespace: String
    /// Validated (§14.8): an invalid scope is a 422, not silently inferred.
    public var scope: String?
    public var metadata: JSONObject?
    /// 1...31 536 000 like `/add` (§14.8; 1.2 accepted 0/negative).
    public var ttlSeconds: Int?
    public var memoryId: String?
    public var metadataPatch: JSONObject?
    public var supersededBy: String?
    public var deprecationReason: String?
    public init(type: String, content: String? = nil, memoryType: String? = nil, agentId: String? = nil,
                userId: String? = nil, namespace: String = "default", scope: String? = nil,
                metadata: JSONObject? = nil, ttlSeconds: Int? = nil, memoryId: String? = nil,
                metadataPatch: JSONObject? = nil, supersededBy: String? = nil, deprecationReason: String? = nil) {
        self.type = type; self.content = content; self.memoryType = memoryType; self.agentId = agentId
        self.userId = userId; self.namespace = namespace; self.scope = scope; self.metadata = metadata
        self.ttlSeconds = ttlSeconds; self.memoryId = memoryId; self.metadataPatch = metadataPatch
        self.supersededBy = supersededBy; self.deprecationReason = deprecationReason
    }
}

/// Body of `POST /memories/ace/delta`: 1...100 operations.
public struct DeltaRequest: Sendable, Equatable {
    public var operations: [DeltaOperation]
    public init(operations: [DeltaOperation]) { self.operations = operations }
}

/// `{"operation", "success", "memory_id", "error"}`.
public struct DeltaOperationResult: Sendable, Equatable {
    public var operation: String
    public var success: Bool
    public var memoryId: String?
    public var error: String?
}

/// `{"results", "total_time_ms"}`. Atomic: when any operation fails, nothing is applied;
/// the failing operations carry their error and every other operation reports
/// `success: false` with error "Not applied: operation <i> failed (delta is atomic)".
public struct DeltaResponse: Sendable, Equatable {
    public var results: [DeltaOperationResult]
    public var totalTimeMs: Double
}

/// Body of `POST /memories/ace/reflection`.
public struct ReflectionRequest: Sendable, Equatable {
    public var content: String
    public var agentId: String
    public var userId: String?
    public var namespace: String
    public var sourceTrajectoryId: String?
    public var errorPattern: String?
    public var correctApproach: String?
    public var applicableContexts: [String]?
    /// nil → `global`. Validated (422 on an unknown scope, §14.8).
    public var scope: String?
    public var metadata: JSONObject?
    public init(content: String, agentId: String, userId: String? = nil, namespace: String = "default",
                sourceTrajectoryId: String? = nil, errorPattern: String? = nil, correctApproach: String? = nil,
                applicableContexts: [String]? = nil, scope: String? = nil, metadata: JSONObject? = nil) {
        self.content = content; self.agentId = agentId; self.userId = userId; self.namespace = namespace
        self.sourceTrajectoryId = sourceTrajectoryId; self.errorPattern = errorPattern
        self.correctApproach = correctApproach; self.applicableContexts = applicableContexts
        self.scope = scope; self.metadata = metadata
    }
}

/// `{"id", "memory_type", "scope", "effectiveness_score"}`.
public struct ReflectionResponse: Sendable, Equatable {
    public var id: String
    public var memoryType: String
    public var scope: String
    public var effectivenessScore: Double
}

/// Body of `POST /memories/ace/playbook`.
public struct PlaybookRequest: Sendable, Equatable {
    public var query: String
    public var agentId: String
    public var namespace: String
    /// Validated against the §8.7 memory types; `[]` → no entries.
    public var includeTypes: [String]
    public var topK: Int
    public var minEffectiveness: Double
    public var efSearch: Int?
    public init(query: String, agentId: String, namespace: String = "default",
                includeTypes: [String] = ["strategy", "reflection"], topK: Int = 20,
                minEffectiveness: Double = -1.0, efSearch: Int? = nil) {
        self.query = query; self.agentId = agentId; self.namespace = namespace; self.includeTypes = includeTypes
        self.topK = topK; self.minEffectiveness = minEffectiveness; self.efSearch = efSearch
    }
}

/// One playbook entry, wire order.
public struct PlaybookEntry: Sendable, Equatable {
    public var id: String
    public var content: String
    public var memoryType: String
    public var effectivenessScore: Double
    public var bulletHelpful: Int
    public var bulletHarmful: Int
    public var errorPattern: String?
    public var createdAt: Timestamp
}

/// `{"entries", "query_time_ms"}`.
public struct PlaybookResponse: Sendable, Equatable {
    public var entries: [PlaybookEntry]
    public var queryTimeMs: Double
}
