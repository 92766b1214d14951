import AegisCore
import AegisStorage

/// The filter attributes of one slot as plain integers (no references), so the predicate the
/// graph walk calls for every visited node never copies strings or touches reference counts.
/// Strings are interned per project space (`StringInterner`); 0 means "absent".
struct SlotKey: Sendable {
    var namespace: Int32 = 0
    var userId: Int32 = 0
    var agentId: Int32 = 0
    var memoryType: Int32 = 0
    var scope: Scope = .global
    var deprecated = false
    var live = false
    /// `Int64.max` when the memory never expires.
    var expiresAt: Int64 = .max
    var createdAt: Int64 = 0
    var helpful: Int64 = 0
    var harmful: Int64 = 0

    static let free = SlotKey()

    init() {}

    init(_ m: MemoryHead, _ interner: inout StringInterner) {
        namespace = interner.intern(m.namespace, .namespace)
        userId = m.userId.map { interner.intern($0, .userId) } ?? 0
        agentId = m.agentId.map { interner.intern($0, .agentId) } ?? 0
        memoryType = interner.intern(m.memoryType.rawValue, .memoryType)
        scope = m.scope
        deprecated = m.isDeprecated
        live = true
        expiresAt = m.expiresAt?.microseconds ?? .max
        createdAt = m.createdAt.microseconds
        helpful = m.bulletHelpful
        harmful = m.bulletHarmful
    }
}

/// String ↔ small integer ids for one project space (namespaces, users, agents, memory types).
/// Ids start at 1. Grows with the number of distinct values the space has held.
struct StringInterner: Sendable {
    private var ids: [String: Int32] = [:]
    /// The last string interned per field (consecutive memories mostly share their namespace,
    /// owner, user and type): an equality test instead of a hash lookup.
    private var recent: [(String, Int32)] = Array(repeating: ("", 0), count: Field.allCases.count)

    enum Field: Int, CaseIterable { case namespace, userId, agentId, memoryType }

    mutating func intern(_ s: String) -> Int32 {
        if let id = ids[s] { return id }
        let id = Int32(ids.count + 1)
        ids[s] = id
        return id
    }

    mutating func intern(_ s: String, _ field: Field) -> Int32 {
        let (last, id) = recent[field.rawValue]
        if id != 0, last == s { return id }
        let new = intern(s)
        recent[field.rawValue] = (s, new)
        return new
    }

    /// The id of `s`, or -1 when the space never held it (so nothing can match it).
    func lookup(_ s: String) -> Int32 { ids[s] ?? -1 }
}

/// A `MemoryFilter` translated to the space's interned ids: the same predicate as
/// `MemoryFilter.matches(Memory)`, evaluated on `SlotKey`s.
struct CompiledFilter {
    /// `Int32.min` = any value.
    static let any = Int32.min
    var namespace = CompiledFilter.any
    var userId = CompiledFilter.any
    /// nil = any owner; otherwise the owner must be one of these (unknown names dropped).
    var owners: IDSet?
    var memoryTypes: IDSet?
    var notExpiredAt: Int64?
    var excludeDeprecated: Bool
    var minEffectiveness: Double?
    var reader: CompiledReader

    enum CompiledReader {
        case anonymous
        case unrestricted
        /// The reader's id (-1 when unknown to the space) and name (for `shared_with_agents`).
        case agent(Int32, String)
    }

    /// A set of ids: a short array scanned linearly, a hash set when larger.
    enum IDSet {
        case small([Int32])
        case large(Set<Int32>)
        init(_ names: Set<String>, _ interner: StringInterner) {
            let ids = names.map { interner.lookup($0) }.filter { $0 > 0 }
            self = ids.count <= 8 ? .small(ids) : .large(Set(ids))
        }
        @inline(__always) func contains(_ id: Int32) -> Bool {
            switch self {
            case .small(let a): return a.contains(id)
            case .large(let s): return s.contains(id)
            }
        }
    }

    init(_ f: MemoryFilter, _ interner: StringInterner) {
        if let ns = f.namespace { namespace = interner.lookup(ns) }
        if let u = f.userId { userId = interner.lookup(u) }
        owners = f.owners.map { IDSet($0, interner) }
        memoryTypes = f.memoryTypes.map { IDSet($0, interner) }
        notExpiredAt = f.notExpiredAt?.microseconds
        excludeDeprecated = f.excludeDeprecated
        minEffectiveness = f.minEffectiveness
        switch f.reader {
        case .anonymous: reader = .anonymous
        case .unrestricted: reader = .unrestricted
        case .agent(let r): reader = .agent(interner.lookup(r), r)
        }
    }
}

/// Evaluates a compiled filter on the slots of one space. Holds raw pointers into the space's
/// arrays: valid only inside `ProjectSpace.withMatcher` (under the spaces' read lock).
struct SlotMatcher {
    let filter: CompiledFilter
    let keys: UnsafeBufferPointer<SlotKey>
    let ids: UnsafeBufferPointer<String?>
    let hashes: UnsafeBufferPointer<HashKey>
    let sharedWith: [Int: [String]]

    @inline(__always)
    func matches(_ slot: Int) -> Bool {
        guard slot >= 0, slot < keys.count else { return false }
        let k = keys[slot]
        guard k.live else { return false }
        if filter.namespace != CompiledFilter.any, k.namespace != filter.namespace { return false }
        if filter.userId != CompiledFilter.any, k.userId != filter.userId { return false }
        if let owners = filter.owners {
            guard k.agentId != 0, owners.contains(k.agentId) else { return false }
        }
        if let types = filter.memoryTypes, !types.contains(k.memoryType) { return false }
        if filter.excludeDeprecated, k.deprecated { return false }
        if let now = filter.notExpiredAt, k.expiresAt <= now { return false }
        if let me = filter.minEffectiveness, Memory.effectiveness(helpful: k.helpful, harmful: k.harmful) < me { return false }
        switch filter.reader {
        case .unrestricted: return true
        case .anonymous: return k.scope == .global
        case .agent(let r, let name):
            switch k.scope {
            case .global: return true
            case .agentPrivate: return r > 0 && k.agentId == r
            case .agentShared:
                if r > 0 && k.agentId == r { return true }
                return sharedWith[slot]?.contains(name) ?? false
            }
        }
    }

    /// Deterministic ranking (`ranksBefore`) without copying slot attributes: similarity
    /// descending, then creation time, then content hash and id (read only on full ties).
    @inline(__always)
    func ranksBefore(_ a: (Float, Int), _ b: (Float, Int)) -> Bool {
        if a.0 != b.0 { return a.0 > b.0 }
        let ca = keys[a.1].createdAt, cb = keys[b.1].createdAt
        if ca != cb { return ca < cb }
        let ha = hashes[a.1], hb = hashes[b.1]
        if ha != hb { return (ha.a, ha.b, ha.c, ha.d) < (hb.a, hb.b, hb.c, hb.d) }
        return ids[a.1]! < ids[b.1]!
    }
}

extension ProjectSpace {
    /// Runs `body` with a matcher for `filter` on this space (call under the read lock).
    func withMatcher<T>(_ filter: MemoryFilter, _ body: (SlotMatcher) throws -> T) rethrows -> T {
        let compiled = CompiledFilter(filter, interner)
        return try keys.withUnsafeBufferPointer { kp in
            try ids.withUnsafeBufferPointer { ip in
                try hashes.withUnsafeBufferPointer { hp in
                    try body(SlotMatcher(filter: compiled, keys: kp, ids: ip, hashes: hp, sharedWith: sharedWith))
                }
            }
        }
    }
}
