import AegisCore

/// The export record (JSONL line / element of the JSON export), contract §4.8, extended so that
/// export → import round-trips every column of §10.1.
///
/// Key order: the twelve v1.2 keys first, in v1.2's order, so v1.2 consumers see what they
/// expect (`id, content, user_id, agent_id, namespace, scope, metadata, memory_type, created_at,
/// updated_at, bullet_helpful, bullet_harmful`), then the additions (`project_id, content_hash,
/// shared_with_agents, derived_from_agents, coordination_metadata, expires_at, is_deprecated,
/// deprecated_at, deprecated_by, superseded_by, source_trajectory_id, error_pattern`), then
/// `embedding` (only with include_embeddings; float32 values in shortest round-trip form).
/// Timestamps are written like v1.2 (`isoformat()`: `+00:00`, 6 fraction digits or none).
public enum MemoryRecord {
    /// The keys a v1.2 server wrote, in its order.
    public static let v12Keys = ["id", "content", "user_id", "agent_id", "namespace", "scope", "metadata", "memory_type",
                                 "created_at", "updated_at", "bullet_helpful", "bullet_harmful"]
    /// Keys this implementation adds (documented in docs/operations.md).
    public static let extensionKeys = ["project_id", "content_hash", "shared_with_agents", "derived_from_agents",
                                       "coordination_metadata", "expires_at", "is_deprecated", "deprecated_at",
                                       "deprecated_by", "superseded_by", "source_trajectory_id", "error_pattern"]

    public static func write(_ m: Memory, includeEmbedding: Bool, into w: inout JSONBytesWriter) {
        w.beginObject()
        w.field("id", m.id)
        w.field("content", m.content)
        w.field("user_id", m.userId)
        w.field("agent_id", m.agentId)
        w.field("namespace", m.namespace)
        w.field("scope", m.scope.rawValue)
        w.key("metadata"); w.object(m.metadata)
        w.field("memory_type", m.memoryType.rawValue)
        w.field("created_at", m.createdAt)
        w.field("updated_at", m.updatedAt)
        w.field("bullet_helpful", m.bulletHelpful)
        w.field("bullet_harmful", m.bulletHarmful)
        w.field("project_id", m.projectId)
        w.field("content_hash", m.contentHash)
        w.key("shared_with_agents"); w.strings(m.sharedWithAgents)
        w.key("derived_from_agents"); w.strings(m.derivedFromAgents)
        w.key("coordination_metadata"); w.object(m.coordinationMetadata)
        w.field("expires_at", m.expiresAt)
        w.field("is_deprecated", m.isDeprecated)
        w.field("deprecated_at", m.deprecatedAt)
        w.field("deprecated_by", m.deprecatedBy)
        w.field("superseded_by", m.supersededBy)
        w.field("source_trajectory_id", m.sourceTrajectoryId)
        w.field("error_pattern", m.errorPattern)
        if includeEmbedding { w.key("embedding"); w.floats(m.embedding) }
        w.endObject()
    }

    /// One record as bytes (no trailing newline).
    public static func encode(_ m: Memory, includeEmbedding: Bool, style: JSONBytesWriter.Style = .compact) -> [UInt8] {
        var w = JSONBytesWriter(style: style, reserve: 512 + (includeEmbedding ? m.embedding.count * 12 : 0))
        write(m, includeEmbedding: includeEmbedding, into: &w)
        return w.bytes
    }
}
