/// One memory row: every column v1.2 stored (contract §10.1).
public struct Memory: Sendable, Hashable {
    public var id: String
    public var projectId: String
    public var userId: String?
    /// Owner agent.
    public var agentId: String?
    public var namespace: String
    public var memoryType: MemoryType
    public var content: String
    /// `ContentHash.of(content)` (§8.1).
    public var contentHash: String
    public var embedding: [Float]
    /// Always an object (`{}` when empty).
    public var metadata: JSONObject
    public var scope: Scope
    public var sharedWithAgents: [String]
    public var derivedFromAgents: [String]
    public var coordinationMetadata: JSONObject
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// nil = never expires (§8.2). Expired when `expiresAt <= now`.
    public var expiresAt: Timestamp?
    public var bulletHelpful: Int64
    public var bulletHarmful: Int64
    public var isDeprecated: Bool
    public var deprecatedAt: Timestamp?
    public var deprecatedBy: String?
    public var supersededBy: String?
    public var sourceTrajectoryId: String?
    public var errorPattern: String?

    public init(
        id: String, projectId: String, userId: String? = nil, agentId: String? = nil,
        namespace: String = "default", memoryType: MemoryType = .standard, content: String,
        contentHash: String? = nil, embedding: [Float], metadata: JSONObject = [:],
        scope: Scope = .agentPrivate, sharedWithAgents: [String] = [], derivedFromAgents: [String] = [],
        coordinationMetadata: JSONObject = [:], createdAt: Timestamp, updatedAt: Timestamp? = nil,
        expiresAt: Timestamp? = nil, bulletHelpful: Int64 = 0, bulletHarmful: Int64 = 0,
        isDeprecated: Bool = false, deprecatedAt: Timestamp? = nil, deprecatedBy: String? = nil,
        supersededBy: String? = nil, sourceTrajectoryId: String? = nil, errorPattern: String? = nil
    ) {
        self.id = id; self.projectId = projectId; self.userId = userId; self.agentId = agentId
        self.namespace = namespace; self.memoryType = memoryType; self.content = content
        self.contentHash = contentHash ?? ContentHash.of(content); self.embedding = embedding
        self.metadata = metadata; self.scope = scope; self.sharedWithAgents = sharedWithAgents
        self.derivedFromAgents = derivedFromAgents; self.coordinationMetadata = coordinationMetadata
        self.createdAt = createdAt; self.updatedAt = updatedAt ?? createdAt; self.expiresAt = expiresAt
        self.bulletHelpful = bulletHelpful; self.bulletHarmful = bulletHarmful
        self.isDeprecated = isDeprecated; self.deprecatedAt = deprecatedAt; self.deprecatedBy = deprecatedBy
        self.supersededBy = supersededBy; self.sourceTrajectoryId = sourceTrajectoryId; self.errorPattern = errorPattern
    }

    /// `expires_at <= now` (§8.2).
    public func isExpired(at now: Timestamp) -> Bool {
        guard let e = expiresAt else { return false }
        return e <= now
    }

    /// §8.6: 0 when unvoted, else (helpful − harmful) / (helpful + harmful + 1).
    public var effectivenessScore: Double {
        Memory.effectiveness(helpful: bulletHelpful, harmful: bulletHarmful)
    }
    public static func effectiveness(helpful: Int64, harmful: Int64) -> Double {
        let total = helpful + harmful
        guard total > 0 else { return 0 }
        return Double(helpful - harmful) / Double(total + 1)
    }
}

/// One `vote_history` row (§10.3).
public struct Vote: Sendable, Hashable {
    public var id: String
    public var memoryId: String
    public var projectId: String
    public var voterAgentId: String
    public var vote: VoteKind
    public var context: String?
    public var taskId: String?
    public var createdAt: Timestamp

    public init(id: String, memoryId: String, projectId: String, voterAgentId: String, vote: VoteKind,
                context: String? = nil, taskId: String? = nil, createdAt: Timestamp) {
        self.id = id; self.memoryId = memoryId; self.projectId = projectId; self.voterAgentId = voterAgentId
        self.vote = vote; self.context = context; self.taskId = taskId; self.createdAt = createdAt
    }
}
