import AegisCore
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
    var contentHash: String

    init(_ m: Memory) {
        id = m.id; namespace = m.namespace; userId = m.userId; agentId = m.agentId; scope = m.scope
        sharedWith = m.sharedWithAgents; memoryType = m.memoryType.rawValue; expiresAt = m.expiresAt
        deprecated = m.isDeprecated; helpful = m.bulletHelpful; harmful = m.bulletHarmful
        createdAt = m.createdAt; contentHash = m.contentHash
    }
}

extension MemoryFilter {
    /// The same predicate as `matches(Memory)`, on the indexed attributes.
    @inline(__always)
    func matches(_ s: SlotInfo) -> Bool {
        if let ns = namespace, s.namespace != ns { return false }
        if let u = userId, s.userId != u { return false }
        if let owners {
            guard let a = s.agentId, owners.contains(a) else { return false }
        }
        if let types = memoryTypes, !types.contains(s.memoryType) { return false }
        if excludeDeprecated, s.deprecated { return false }
        if let now = notExpiredAt, let e = s.expiresAt, e <= now { return false }
        if let me = minEffectiveness, Memory.effectiveness(helpful: s.helpful, harmful: s.harmful) < me { return false }
        return AccessControl.canRead(scope: s.scope, owner: s.agentId, sharedWith: s.sharedWith, reader: reader)
    }
}

/// One search hit.
struct Hit: Sendable {
    var slot: Int
    var id: String
    var score: Float
}

/// Deterministic ranking: similarity descending; ties by creation time, then content hash,
/// then id — so a fresh store fed the same operations ranks the same contents the same way.
@inline(__always)
func ranksBefore(_ a: (Float, SlotInfo), _ b: (Float, SlotInfo)) -> Bool {
    if a.0 != b.0 { return a.0 > b.0 }
    if a.1.createdAt != b.1.createdAt { return a.1.createdAt < b.1.createdAt }
    if a.1.contentHash != b.1.contentHash { return a.1.contentHash < b.1.contentHash }
    return a.1.id < b.1.id
}

@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    VectorKernels.dot(a, b, n)
}
