import AegisCore
import AegisStorage

/// How one search ran (the `explain` data).
public struct SearchStats: Sendable, Equatable {
    public enum Mode: String, Sendable { case exact, index }
    public var mode: Mode = .exact
    public var efSearch: Int = 0
    /// Graph nodes visited (index mode) or slots examined (exact mode).
    public var nodesVisited: Int = 0
    public var distanceComputations: Int = 0
    /// Memories admitted by the filter / memories in the project's vector space.
    public var admitted: Int = 0
    public var total: Int = 0
    /// True when the index search came back short and the exact scan took over.
    public var fellBackToExact: Bool = false
    public var filterSelectivity: Double { total == 0 ? 0 : Double(admitted) / Double(total) }
    public init() {}
}

/// The vectors of one project plus their filter attributes. Mutated under the owning
/// `VectorSpaces` write lock, searched under its read lock.
///
/// The space holds no copy of a vector: `rows[slot]` is the address of the memory's stored
/// row (the store's mapped snapshot or tail arena; docs/engine.md, "One copy of each vector"),
/// which the backend keeps valid and unchanged while it is open. The graph points at the
/// same rows.
final class ProjectSpace: @unchecked Sendable {
    let dimension: Int
    /// Slot → stored row (nil = free slot).
    var rows: [UnsafePointer<Float>?] = []
    /// Keeps the rows alive when they are not the backend's (an offline build's own rows).
    var rowOwner: AnyObject?
    /// Slot → memory id (nil = free slot). The strings share the stored rows' storage.
    var ids: [String?] = []
    /// Slot → content hash (the ranking's last tie-break; zero for free slots).
    var hashes: [HashKey] = []
    /// `shared_with_agents` of the slots that have any (most have none: no per-slot array).
    var sharedWith: [Int: [String]] = [:]
    var slotOf: [String: Int32] = [:]
    var free: [Int] = []
    var ann: (any ApproximateIndex)?
    /// Slots by owner agent (interned id; the `owners` part of a filter), for exact candidate sets.
    var byOwner: [Int32: Set<Int32>] = [:]
    /// The filter attributes of each slot as plain integers (interned strings); see `SlotKey`.
    /// Together with `ids`, `hashes` and `sharedWith` this is all a space keeps per memory
    /// (docs/engine.md, "Compact per-memory state").
    var keys: [SlotKey] = []
    var interner = StringInterner()

    /// Sets (or clears, `m == nil`) the attributes of `slot`.
    func setInfo(_ slot: Int, _ m: MemoryHead?) {
        if slot >= keys.count {
            let n = slot + 1 - keys.count
            keys.append(contentsOf: repeatElement(SlotKey.free, count: n))
            ids.append(contentsOf: repeatElement(nil, count: n))
            hashes.append(contentsOf: repeatElement(HashKey.zero, count: n))
        }
        let old = keys[slot]
        if old.live, old.agentId != 0 {
            byOwner[old.agentId]?.remove(Int32(slot))
            if byOwner[old.agentId]?.isEmpty ?? false { byOwner[old.agentId] = nil }
        }
        guard let m else {
            keys[slot] = .free; ids[slot] = nil; hashes[slot] = .zero; sharedWith[slot] = nil
            return
        }
        let k = SlotKey(m, &interner)
        keys[slot] = k
        ids[slot] = m.id
        hashes[slot] = m.hash
        sharedWith[slot] = m.sharedWithAgents.isEmpty ? nil : m.sharedWithAgents
        if k.agentId != 0 { byOwner[k.agentId, default: []].insert(Int32(slot)) }
    }

    init(dimension: Int) { self.dimension = dimension }

    var count: Int { slotOf.count }

    /// Adds or replaces a memory (its stored row and attributes).
    func upsert(_ m: MemoryHead, row: UnsafePointer<Float>) {
        if let slot = upsertDeferringIndex(m, row: row) { ann?.insert(slot: slot, row: row) }
    }

    /// `upsert`, except that a memory new to the space is not yet put into the graph: its
    /// slot is returned and the caller must call `ann?.insert(slot:vector:)` before any other
    /// change to this space (see `VectorSpaces.apply`). Until then searches find it through the
    /// exact paths only. Returns nil when the graph is already up to date.
    /// A stored row never changes, so a new vector (a re-embedding) is a new row address.
    func upsertDeferringIndex(_ m: MemoryHead, row: UnsafePointer<Float>) -> Int? {
        if let s = slotOf[m.id] {
            let slot = Int(s)
            setInfo(slot, m)
            if rows[slot] != row {
                rows[slot] = row
                ann?.remove(slot: slot)
                ann?.insert(slot: slot, row: row)
            }
            return nil
        }
        let slot: Int
        if let s = free.popLast() {
            slot = s
            rows[s] = row
            setInfo(s, m)
        } else {
            slot = rows.count
            rows.append(row)
            setInfo(slot, m)
        }
        slotOf[m.id] = Int32(slot)
        return slot
    }


    func remove(id: String) {
        guard let s = slotOf.removeValue(forKey: id) else { return }
        let slot = Int(s)
        setInfo(slot, nil)
        rows[slot] = nil
        ann?.remove(slot: slot)
        free.append(slot)
    }

    func vector(slot: Int) -> UnsafeBufferPointer<Float>? { rows[slot].map { UnsafeBufferPointer(start: $0, count: dimension) } }

    /// Top `k` memories admitted by `filter` with similarity ≥ `minScore`, ranked
    /// deterministically. The filter is evaluated inside the search, never afterwards:
    /// - small spaces, or filters with an owner list whose admitted set is small or below
    ///   `exactSelectivity` of the space: exact scan of the admitted set;
    /// - otherwise the graph walk with the filter as its acceptance predicate (the index
    ///   widens its beam for selective filters, scans exactly below its own threshold, and
    ///   falls back to an exact scan when the walk finds fewer than k admitted items).
    /// Scores are recomputed exactly for the returned candidates, so index and exact modes
    /// agree on every score.
    func search(query: [Float], filter: MemoryFilter, k: Int, minScore: Float, efSearch: Int,
                exactThreshold: Int, exactSelectivity: Double, stats: inout SearchStats) -> [Hit] {
        precondition(query.count == dimension)
        stats.total = count
        stats.efSearch = efSearch
        guard k > 0, count > 0 else { return [] }
        return withMatcher(filter) { m in
            search(query: query, owners: filter.owners, matcher: m, k: k, minScore: minScore, efSearch: efSearch,
                   exactThreshold: exactThreshold, exactSelectivity: exactSelectivity, stats: &stats)
        }
    }

    private func search(query: [Float], owners: Set<String>?, matcher m: SlotMatcher, k: Int, minScore: Float, efSearch: Int,
                        exactThreshold: Int, exactSelectivity: Double, stats: inout SearchStats) -> [Hit] {
        // A graph whose insert failed is not trusted: exact scans answer instead.
        let ann = self.ann.flatMap { $0.failure == nil ? $0 : nil }
        // Candidate slots known exactly when the filter names owners (secondary index).
        var admitted: [Int]?
        if let owners {
            var list: [Int] = []
            for o in owners {
                let id = interner.lookup(o)
                guard id > 0 else { continue }
                for s in byOwner[id] ?? [] where m.matches(Int(s)) { list.append(Int(s)) }
            }
            list.sort()
            admitted = list
        } else if ann == nil || count <= exactThreshold {
            var list: [Int] = []
            for slot in 0..<keys.count where m.matches(slot) { list.append(slot) }
            admitted = list
        }
        if let admitted {
            stats.admitted = admitted.count
            if admitted.isEmpty { return [] }
            let useIndex = ann != nil && admitted.count > exactThreshold && Double(admitted.count) >= exactSelectivity * Double(count)
            if !useIndex {
                stats.mode = .exact
                return exactSearch(query: query, slots: admitted, k: k, minScore: minScore, matcher: m, stats: &stats)
            }
        }
        guard let ann else { return [] }
        stats.mode = .index
        var visited = IndexSearchCounters()
        let want = min(admitted?.count ?? count, k + 8)   // slack so boundary ties rank deterministically
        let candidates = ann.search(query: query, k: want, ef: max(efSearch, want), admitted: admitted?.count,
                                    visited: &visited) { slot in m.matches(slot) }
        stats.nodesVisited = visited.nodes
        stats.distanceComputations = visited.distances
        if admitted == nil { stats.admitted = Int((visited.selectivity * Double(count)).rounded()) }
        if visited.exact { stats.mode = .exact }
        if visited.fallback { stats.fellBackToExact = true }
        var best: [(Float, Int)] = []
        best.reserveCapacity(k + 1)
        for slot in candidates {
            let s = exactScore(query, slot: slot)
            if s >= minScore && !s.isNaN { insertRanked(&best, (s, slot), k: k, m) }
        }
        var hits = best.map { Hit(slot: $0.1, id: ids[$0.1]!, score: $0.0) }
        // Never under-return: when the admitted set is known to hold more than the index gave.
        if candidates.count < min(k, admitted?.count ?? 0), let admitted {
            let exact = exactSearch(query: query, slots: admitted, k: k, minScore: minScore, matcher: m, stats: &stats)
            if exact.count > hits.count { hits = exact; stats.fellBackToExact = true }
        }
        return hits
    }

    private func exactScore(_ q: [Float], slot: Int) -> Float {
        guard let row = rows[slot] else { return -.infinity }
        return q.withUnsafeBufferPointer { qp in dot(qp.baseAddress!, row, dimension) }
    }

    private func exactSearch(query: [Float], slots: [Int], k: Int, minScore: Float, matcher m: SlotMatcher,
                             stats: inout SearchStats) -> [Hit] {
        var best: [(Float, Int)] = []
        best.reserveCapacity(k + 1)
        query.withUnsafeBufferPointer { qp in
            rows.withUnsafeBufferPointer { rp in
                for slot in slots {
                    guard let row = rp[slot] else { continue }
                    let s = dot(qp.baseAddress!, row, dimension)
                    stats.distanceComputations += 1
                    guard s >= minScore, !s.isNaN else { continue }
                    insertRanked(&best, (s, slot), k: k, m)
                }
            }
        }
        stats.nodesVisited += slots.count
        return best.map { Hit(slot: $0.1, id: ids[$0.1]!, score: $0.0) }
    }

    /// Keeps `best` sorted by `ranksBefore` and at most `k` long.
    @inline(__always)
    private func insertRanked(_ best: inout [(Float, Int)], _ x: (Float, Int), k: Int, _ m: SlotMatcher) {
        if best.count == k, let last = best.last, !m.ranksBefore(x, last) { return }
        var lo = 0, hi = best.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if m.ranksBefore(best[mid], x) { lo = mid + 1 } else { hi = mid }
        }
        best.insert(x, at: lo)
        if best.count > k { best.removeLast() }
    }
}

/// The approximate nearest-neighbour index of one project (HNSW). Slots are the
/// `ProjectSpace` slots; vectors are L2-normalised, similarity = dot product.
protocol ApproximateIndex: AnyObject {
    /// `row`: the memory's stored row (stable while the backend is open; the graph keeps the
    /// address, not a copy).
    func insert(slot: Int, row: UnsafePointer<Float>)
    /// Inserts new nodes (distinct slots); big batches use the graph's parallel bulk insert.
    func insert(batch: [(slot: Int, row: UnsafePointer<Float>)])
    /// Why the index stopped being trusted (a failed insert), or nil.
    var failure: String? { get }
    func remove(slot: Int)
    /// Start-up: gives decoded nodes their rows, then turns the traversal codes on or off
    /// (building them when the saved graph had none).
    func attach(rows: [(slot: Int, row: UnsafePointer<Float>)], traversalCodes: Bool)
    /// Up to `k` slots admitted by `filter`, best first, searching with beam `ef`.
    /// `admitted`: how many items the filter admits when the caller counted them (nil: the
    /// index estimates).
    func search(query: [Float], k: Int, ef: Int, admitted: Int?, visited: inout IndexSearchCounters,
                filter: @escaping (Int) -> Bool) -> [Int]
    func encode() -> [UInt8]
}

extension ProjectSpace {
    /// The memory id held by each slot (nil = free), for the checkpoint section.
    var slotIds: [String?] { ids + repeatElement(nil, count: max(0, rows.count - ids.count)) }

    /// Restoring from a checkpointed graph: `slots[i]` is the memory id of graph node `i`.
    func beginRestore(slots: [String?], ann restored: any ApproximateIndex) {
        rows = [UnsafePointer<Float>?](repeating: nil, count: slots.count)
        ids = [String?](repeating: nil, count: slots.count)
        hashes = [HashKey](repeating: .zero, count: slots.count)
        sharedWith = [:]
        keys = [SlotKey](repeating: .free, count: slots.count)
        byOwner = [:]
        slotOf = [:]
        slotOf.reserveCapacity(slots.count)
        free = []
        ann = restored
    }

    /// Places memory `m` (stored row `row`) at graph node `slot`.
    func restore(slot: Int, _ m: MemoryHead, row: UnsafePointer<Float>) {
        rows[slot] = row
        setInfo(slot, m)
        slotOf[m.id] = Int32(slot)
    }

    /// Gives the restored nodes their rows, removes the nodes whose memory is gone or was
    /// re-embedded (slots named in the saved table but not restored), and frees them.
    func finishRestore(savedSlots: [String?], traversalCodes: Bool) {
        var attached: [(slot: Int, row: UnsafePointer<Float>)] = []
        attached.reserveCapacity(slotOf.count)
        for (slot, row) in rows.enumerated() { if let row { attached.append((slot, row)) } }
        ann?.attach(rows: attached, traversalCodes: traversalCodes)
        for (slot, id) in savedSlots.enumerated() where id != nil && !keys[slot].live { ann?.remove(slot: slot) }
        for slot in stride(from: keys.count - 1, through: 0, by: -1) where !keys[slot].live { free.append(slot) }
    }
}

/// What the index reports about one search.
struct IndexSearchCounters {
    var nodes = 0
    var distances = 0
    /// Estimated share of admitted items (1 without filter).
    var selectivity = 1.0
    /// The index answered by an exact scan of the admitted items.
    var exact = false
    /// The graph walk came up short and the exact scan answered.
    var fallback = false
}
