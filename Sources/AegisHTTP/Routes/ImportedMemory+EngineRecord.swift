import AegisCore
import AegisEngine
import AegisExport

extension ImportedMemory {
    /// The engine's import record for this validated file record. A relative `ttl_seconds`
    /// becomes an absolute expiry counted from now when the record carries no `expires_at`.
    var engineRecord: ImportRecord {
        var r = ImportRecord(content: content, namespace: namespace ?? "default")
        r.id = id
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
        r.expiresAt = expiresAt ?? ttlSeconds.map { Timestamp.now().truncatedToSeconds.adding(seconds: $0) }
        r.isDeprecated = isDeprecated
        r.deprecatedAt = deprecatedAt
        r.deprecatedBy = deprecatedBy
        r.supersededBy = supersededBy
        r.sourceTrajectoryId = sourceTrajectoryId
        r.errorPattern = errorPattern
        return r
    }
}
