import AegisCore

/// A stored memory without its embedding (the vector lives in the store's vector arena at
/// `slot`). Every other column of contract §10.1.
public struct MemoryRow: Sendable, Hashable {
    public var id: String
    public var projectId: String
    public var userId: String?
    public var agentId: String?
    public var namespace: String
    public var memoryType: MemoryType
    public var content: String
    public var hash: HashKey
    public var metadata: JSONObject
    public var scope: Scope
    public var sharedWithAgents: [String]
    public var derivedFromAgents: [String]
    public var coordinationMetadata: JSONObject
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var expiresAt: Timestamp?
    public var bulletHelpful: Int64
    public var bulletHarmful: Int64
    public var isDeprecated: Bool
    public var deprecatedAt: Timestamp?
    public var deprecatedBy: String?
    public var supersededBy: String?
    public var sourceTrajectoryId: String?
    public var errorPattern: String?
    /// Position of the embedding in the vector arena (stable while the store is open).
    public internal(set) var slot: Int32

    /// 64 lower-case hex digits.
    public var contentHash: String { hash.hex }

    public func isExpired(at now: Timestamp) -> Bool {
        guard let e = expiresAt else { return false }
        return e <= now
    }
    public var effectivenessScore: Double { Memory.effectiveness(helpful: bulletHelpful, harmful: bulletHarmful) }

    /// The full `Memory` value with the given embedding.
    public func memory(embedding: [Float]) -> Memory {
        Memory(id: id, projectId: projectId, userId: userId, agentId: agentId, namespace: namespace,
               memoryType: memoryType, content: content, contentHash: hash.hex, embedding: embedding,
               metadata: metadata, scope: scope, sharedWithAgents: sharedWithAgents,
               derivedFromAgents: derivedFromAgents, coordinationMetadata: coordinationMetadata,
               createdAt: createdAt, updatedAt: updatedAt, expiresAt: expiresAt,
               bulletHelpful: bulletHelpful, bulletHarmful: bulletHarmful, isDeprecated: isDeprecated,
               deprecatedAt: deprecatedAt, deprecatedBy: deprecatedBy, supersededBy: supersededBy,
               sourceTrajectoryId: sourceTrajectoryId, errorPattern: errorPattern)
    }

    init(_ m: Memory, hash: HashKey, slot: Int32) {
        id = m.id; projectId = m.projectId; userId = m.userId; agentId = m.agentId; namespace = m.namespace
        memoryType = m.memoryType; content = m.content; self.hash = hash; metadata = m.metadata; scope = m.scope
        sharedWithAgents = m.sharedWithAgents; derivedFromAgents = m.derivedFromAgents
        coordinationMetadata = m.coordinationMetadata; createdAt = m.createdAt; updatedAt = m.updatedAt
        expiresAt = m.expiresAt; bulletHelpful = m.bulletHelpful; bulletHarmful = m.bulletHarmful
        isDeprecated = m.isDeprecated; deprecatedAt = m.deprecatedAt; deprecatedBy = m.deprecatedBy
        supersededBy = m.supersededBy; sourceTrajectoryId = m.sourceTrajectoryId; errorPattern = m.errorPattern
        self.slot = slot
    }

    init(id: String, projectId: String, userId: String?, agentId: String?, namespace: String,
         memoryType: MemoryType, content: String, hash: HashKey, metadata: JSONObject, scope: Scope,
         sharedWithAgents: [String], derivedFromAgents: [String], coordinationMetadata: JSONObject,
         createdAt: Timestamp, updatedAt: Timestamp, expiresAt: Timestamp?, bulletHelpful: Int64,
         bulletHarmful: Int64, isDeprecated: Bool, deprecatedAt: Timestamp?, deprecatedBy: String?,
         supersededBy: String?, sourceTrajectoryId: String?, errorPattern: String?, slot: Int32) {
        self.id = id; self.projectId = projectId; self.userId = userId; self.agentId = agentId
        self.namespace = namespace; self.memoryType = memoryType; self.content = content; self.hash = hash
        self.metadata = metadata; self.scope = scope; self.sharedWithAgents = sharedWithAgents
        self.derivedFromAgents = derivedFromAgents; self.coordinationMetadata = coordinationMetadata
        self.createdAt = createdAt; self.updatedAt = updatedAt; self.expiresAt = expiresAt
        self.bulletHelpful = bulletHelpful; self.bulletHarmful = bulletHarmful; self.isDeprecated = isDeprecated
        self.deprecatedAt = deprecatedAt; self.deprecatedBy = deprecatedBy; self.supersededBy = supersededBy
        self.sourceTrajectoryId = sourceTrajectoryId; self.errorPattern = errorPattern; self.slot = slot
    }
}
