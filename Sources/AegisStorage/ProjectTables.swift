import AegisCore

/// Row numbers of memories sharing one content hash (usually one).
enum SlotList: Sendable {
    case one(Int32)
    case many([Int32])

    var all: [Int32] {
        switch self { case .one(let r): [r]; case .many(let a): a }
    }
    func appending(_ r: Int32) -> SlotList {
        switch self { case .one(let x): .many([x, r]); case .many(let a): .many(a + [r]) }
    }
    /// nil when empty afterwards.
    func removing(_ r: Int32) -> SlotList? {
        switch self {
        case .one(let x): return x == r ? nil : self
        case .many(var a):
            a.removeAll { $0 == r }
            if a.isEmpty { return nil }
            return a.count == 1 ? .one(a[0]) : .many(a)
        }
    }
}

/// Row numbers in ascending order (= creation order while the store is open).
struct RowSet: Sequence, Sendable {
    private(set) var rows: [Int32] = []
    var count: Int { rows.count }
    var isEmpty: Bool { rows.isEmpty }

    init() {}
    init(sorted: [Int32]) { rows = sorted }

    mutating func insert(_ r: Int32) {
        if let last = rows.last, r <= last {
            let i = index(of: r)
            if i < rows.count, rows[i] == r { return }
            rows.insert(r, at: i)
        } else {
            rows.append(r)
        }
    }
    mutating func remove(_ r: Int32) {
        let i = index(of: r)
        if i < rows.count, rows[i] == r { rows.remove(at: i) }
    }
    /// First position whose row is ≥ r.
    private func index(of r: Int32) -> Int {
        var lo = 0, hi = rows.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if rows[mid] < r { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
    func makeIterator() -> IndexingIterator<[Int32]> { rows.makeIterator() }
}

/// (namespace, feature_id): the key of a feature inside a project.
public struct FeatureKey: Hashable, Sendable {
    public var namespace: String
    public var featureId: String
    public init(namespace: String, featureId: String) { self.namespace = namespace; self.featureId = featureId }
}

/// The tables and lookups of one project. Values refer to memories by row number
/// (an index into `StoreState.rows`). Guarded by the store's lock.
final class ProjectTables: @unchecked Sendable {
    let projectId: String
    @exclusivity(unchecked) var memoryById: [IdKey: Int32] = [:]
    var byHash: [HashKey: SlotList] = [:]
    var byAgent: [String?: RowSet] = [:]
    var byNamespace: [String: RowSet] = [:]
    /// memory row number → its votes in insertion order.
    @exclusivity(unchecked) var votes: [Int32: [Vote]] = [:]
    var voteCount = 0
    var sessions: [String: SessionProgress] = [:]
    var features: [FeatureKey: FeatureRecord] = [:]
    /// Creation order of features (for stable listing).
    var featureOrder: [FeatureKey] = []

    init(projectId: String) { self.projectId = projectId }

    var isEmpty: Bool { memoryById.isEmpty && sessions.isEmpty && features.isEmpty && voteCount == 0 }

    func reserve(memories n: Int) {
        memoryById.reserveCapacity(n)
        byHash.reserveCapacity(n)
    }

    /// `key`, when given, is `IdKey(row.id)` (computed where the id was decoded).
    func indexMemory(_ row: MemoryRow, at r: Int32, key: IdKey? = nil) {
        memoryById[key ?? IdKey(row.id)] = r
        if let l = byHash[row.hash] { byHash[row.hash] = l.appending(r) } else { byHash[row.hash] = .one(r) }
        byAgent[row.agentId, default: RowSet()].insert(r)
        byNamespace[row.namespace, default: RowSet()].insert(r)
    }

    func unindexMemory(_ row: MemoryRow, at r: Int32) {
        memoryById[row.id] = nil
        if let l = byHash[row.hash] { byHash[row.hash] = l.removing(r) }
        byAgent[row.agentId]?.remove(r)
        if byAgent[row.agentId]?.isEmpty == true { byAgent[row.agentId] = nil }
        byNamespace[row.namespace]?.remove(r)
        if byNamespace[row.namespace]?.isEmpty == true { byNamespace[row.namespace] = nil }
        if let vs = votes.removeValue(forKey: r) { voteCount -= vs.count }
    }

    func addVote(_ v: consuming Vote, row: Int32) {
        votes[row, default: []].append(v)
        voteCount += 1
    }

    func addFeature(_ f: FeatureRecord) {
        let k = FeatureKey(namespace: f.namespace, featureId: f.featureId)
        if features[k] == nil { featureOrder.append(k) }
        features[k] = f
    }
}
