import AegisCore
import AegisEngine

extension ImportedMemory {
    /// The engine's import record for this file record (`AegisEngine.importMemories`). An id
    /// that is not 32 lower-case hex (e.g. the guide's sample `"abc123"`) is dropped, so the
    /// memory gets a fresh id; a relative `ttl_seconds` becomes an absolute expiry from `now`.
    public func importRecord(now: Timestamp = .now()) -> ImportRecord {
        var r = ImportRecord(content: content, namespace: (namespace?.isEmpty == false ? namespace! : "default"))
        r.id = id.flatMap { Identifier.isCanonical($0) ? $0 : nil }
        r.userId = userId
        r.agentId = agentId
        r.scope = scope?.rawValue
        r.metadata = metadata
        r.memoryType = memoryType?.rawValue
        r.createdAt = createdAt
        r.updatedAt = updatedAt
        r.bulletHelpful = bulletHelpful.map { Int($0) }
        r.bulletHarmful = bulletHarmful.map { Int($0) }
        r.embedding = embedding
        r.sharedWithAgents = sharedWithAgents
        r.derivedFromAgents = derivedFromAgents
        r.coordinationMetadata = coordinationMetadata
        r.expiresAt = expiresAt ?? ttlSeconds.map { now.truncatedToSeconds.adding(seconds: $0) }
        r.isDeprecated = isDeprecated
        r.deprecatedAt = deprecatedAt
        r.deprecatedBy = deprecatedBy
        r.supersededBy = supersededBy
        r.sourceTrajectoryId = sourceTrajectoryId
        r.errorPattern = errorPattern
        return r
    }
}
