import AegisCore
import AegisStorage
import AegisVector

/// The filter-relevant attributes of one indexed memory, kept beside its vector so the ACL
/// and the other filters are evaluated *inside* the search (never post-filtered).
struct SlotInfo: Sendable {
    var id: String
    var namespace: String
    var userId: String?
    var agentId: String?
    var scope: Scope
    var sharedWith: [String]
    var memoryType: String
    var expiresAt: Timestamp?
    var deprecated: Bool
    var helpful: Int64
    var harmful: Int64
    var createdAt: Timestamp
    /// The content hash as 32 raw bytes (tie-break of the ranking; no string kept per memory).
    var contentHash: HashKey?

    init(_ m: Memory) {
        id = m.id; namespace = m.namespace; userId = m.userId; agentId = m.agentId; scope = m.scope
        sharedWith = m.sharedWithAgents; memoryType = m.memoryType.rawValue; expiresAt = m.expiresAt
        deprecated = m.isDeprecated; helpful = m.bulletHelpful; harmful = m.bulletHarmful
        createdAt = m.createdAt; contentHash = HashKey(hex: m.contentHash)
    }
}

/// One search hit.
struct Hit: Sendable {
    var slot: Int
    var id: String
    var score: Float
}

@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    VectorKernels.dot(a, b, n)
}
