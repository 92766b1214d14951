import AegisCore

/// Who is reading (§8.4).
public enum Reader: Sendable, Equatable, Hashable {
    /// No agent given: only `global` memories.
    case anonymous
    /// Requesting agent R: global, own, and `agent-shared` memories listing R.
    case agent(String)
    /// Project-wide administrative read (GET by id, export, handoff source scan, vote,
    /// delta targets — the 1.2 routes without ACL), still confined to the project.
    case unrestricted
}

/// The §8.4 rule, the single definition used by every read path (query, cross-agent query,
/// playbook, handoff target check, agent-bound GET/export) and evaluated *inside* the vector
/// search as part of the filter predicate.
public enum AccessControl {
    @inlinable
    public static func canRead(scope: Scope, owner: String?, sharedWith: [String], reader: Reader) -> Bool {
        switch reader {
        case .unrestricted: return true
        case .anonymous: return scope == .global
        case .agent(let r):
            switch scope {
            case .global: return true
            case .agentPrivate: return owner == r
            case .agentShared: return owner == r || sharedWith.contains(r)
            }
        }
    }

    public static func canRead(_ m: Memory, reader: Reader) -> Bool {
        canRead(scope: m.scope, owner: m.agentId, sharedWith: m.sharedWithAgents, reader: reader)
    }
}

/// Everything that decides whether a memory qualifies for a read, besides similarity.
/// One value per request; `matches` is the predicate handed to the vector search.
public struct MemoryFilter: Sendable, Equatable {
    public var reader: Reader
    /// Exact namespace; nil = any.
    public var namespace: String?
    /// Exact user; nil = any.
    public var userId: String?
    /// Owner (agent_id) must be one of these; nil = any owner. Empty set matches nothing.
    public var owners: Set<String>?
    /// Memory types allowed; nil = any. Empty set matches nothing.
    public var memoryTypes: Set<String>?
    /// Exclude memories with `expires_at <= now` when set.
    public var notExpiredAt: Timestamp?
    public var excludeDeprecated: Bool
    /// Effectiveness (§8.6) must be ≥ this; nil = no bound (playbook's `min_effectiveness`).
    public var minEffectiveness: Double?

    public init(reader: Reader, namespace: String? = nil, userId: String? = nil, owners: Set<String>? = nil,
                memoryTypes: Set<String>? = nil, notExpiredAt: Timestamp? = nil, excludeDeprecated: Bool = true) {
        self.reader = reader; self.namespace = namespace; self.userId = userId; self.owners = owners
        self.memoryTypes = memoryTypes; self.notExpiredAt = notExpiredAt; self.excludeDeprecated = excludeDeprecated
    }

    public func matches(_ m: Memory) -> Bool {
        if let ns = namespace, m.namespace != ns { return false }
        if let u = userId, m.userId != u { return false }
        if let owners {
            guard let a = m.agentId, owners.contains(a) else { return false }
        }
        if let types = memoryTypes, !types.contains(m.memoryType.rawValue) { return false }
        if excludeDeprecated, m.isDeprecated { return false }
        if let now = notExpiredAt, m.isExpired(at: now) { return false }
        if let me = minEffectiveness, Memory.effectiveness(helpful: m.bulletHelpful, harmful: m.bulletHarmful) < me { return false }
        return AccessControl.canRead(m, reader: reader)
    }

    /// `/memories/query` (§4.3): with `agent_id` X — X's own memories (owner filter + ACL as X);
    /// without — global memories of any owner. Not expired, not deprecated.
    public static func query(agentId: String?, namespace: String, userId: String?, now: Timestamp) -> MemoryFilter {
        if let a = agentId {
            return MemoryFilter(reader: .agent(a), namespace: namespace, userId: userId, owners: [a], notExpiredAt: now)
        }
        return MemoryFilter(reader: .anonymous, namespace: namespace, userId: userId, notExpiredAt: now)
    }

    /// `/memories/query_cross_agent` (§4.4): ACL as the requester; owners = targets when given.
    public static func crossAgent(requester: String, targets: [String]?, namespace: String, userId: String?,
                                  now: Timestamp) -> MemoryFilter {
        MemoryFilter(reader: .agent(requester), namespace: namespace, userId: userId,
                     owners: targets.map(Set.init), notExpiredAt: now)
    }

    /// `/memories/ace/playbook` (§5.4 with §14.21 fixed): the query ACL, types, not expired,
    /// not deprecated.
    public static func playbook(agentId: String, namespace: String, types: [String], now: Timestamp) -> MemoryFilter {
        MemoryFilter(reader: .agent(agentId), namespace: namespace, memoryTypes: Set(types), notExpiredAt: now)
    }

    /// `/memories/handoff` (§4.5 with §14.6 fixed): the source agent's memories that the
    /// *target* agent may read, not expired, not deprecated.
    public static func handoff(source: String, target: String, namespace: String, userId: String?,
                               now: Timestamp) -> MemoryFilter {
        MemoryFilter(reader: .agent(target), namespace: namespace, userId: userId, owners: [source], notExpiredAt: now)
    }
}
