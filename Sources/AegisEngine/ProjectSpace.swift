import AegisCore

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
final class ProjectSpace: @unchecked Sendable {
    let dimension: Int
    var vectors: [Float] = []
    var infos: [SlotInfo?] = []
    var slotOf: [String: Int] = [:]
    var free: [Int] = []
    var ann: (any ApproximateIndex)?
    var restoreSlots: [String: Int] = [:]

    init(dimension: Int) { self.dimension = dimension }

    var count: Int { slotOf.count }

    func info(_ id: String) -> SlotInfo? { slotOf[id].flatMap { infos[$0] } }

    /// Adds or replaces a memory (vector and attributes).
    func upsert(_ m: Memory) {
        precondition(m.embedding.count == dimension, "embedding dimension checked by the engine")
        if let slot = slotOf[m.id] {
            infos[slot] = SlotInfo(m)
            let base = slot * dimension
            var changed = false
            for i in 0..<dimension where vectors[base + i] != m.embedding[i] { changed = true; break }
            if changed {
                vectors.replaceSubrange(base..<(base + dimension), with: m.embedding)
                ann?.remove(slot: slot)
                ann?.insert(slot: slot, vector: m.embedding)
            }
            return
        }
        let slot: Int
        if let s = free.popLast() {
            slot = s
            vectors.replaceSubrange((s * dimension)..<((s + 1) * dimension), with: m.embedding)
            infos[s] = SlotInfo(m)
        } else {
            slot = infos.count
            vectors.append(contentsOf: m.embedding)
            infos.append(SlotInfo(m))
        }
        slotOf[m.id] = slot
        ann?.insert(slot: slot, vector: m.embedding)
    }

    /// Updates only the attributes (deprecation, votes) of an indexed memory.
    func updateInfo(_ m: Memory) {
        guard let slot = slotOf[m.id] else { return }
        infos[slot] = SlotInfo(m)
    }

    func remove(id: String) {
        guard let slot = slotOf.removeValue(forKey: id) else { return }
        infos[slot] = nil
        ann?.remove(slot: slot)
        free.append(slot)
    }

    func vector(slot: Int) -> ArraySlice<Float> { vectors[(slot * dimension)..<((slot + 1) * dimension)] }

    /// Top `k` memories admitted by `filter` with similarity ≥ `minScore`, ranked
    /// deterministically. Uses the approximate index when the filter admits many memories,
    /// an exact scan of the admitted set otherwise, and falls back to the exact scan whenever
    /// the index returns fewer than min(k, admitted-above-threshold) results.
    func search(query: [Float], filter: MemoryFilter, k: Int, minScore: Float, efSearch: Int,
                exactThreshold: Int, exactSelectivity: Double, stats: inout SearchStats) -> [Hit] {
        precondition(query.count == dimension)
        stats.total = count
        stats.efSearch = efSearch
        // Admitted set (cheap attribute checks, no vector reads).
        var admitted: [Int] = []
        admitted.reserveCapacity(min(count, 4096))
        for (slot, info) in infos.enumerated() {
            guard let info, filter.matches(info) else { continue }
            admitted.append(slot)
        }
        stats.admitted = admitted.count
        if admitted.isEmpty || k <= 0 { return [] }
        let useIndex = ann != nil && admitted.count > exactThreshold
            && Double(admitted.count) >= exactSelectivity * Double(count)
        if useIndex, let ann {
            stats.mode = .index
            var visited = 0
            let candidates = ann.search(query: query, k: min(admitted.count, k + 8), ef: max(efSearch, k + 8),
                                        admitted: admitted.count, visited: &visited) { slot in
                guard let info = self.infos[slot] else { return false }
                return filter.matches(info)
            }
            stats.nodesVisited = visited
            stats.distanceComputations = visited
            var hits = rank(candidates.map { ($0, exactScore(query, slot: $0)) }, k: k, minScore: minScore)
            // Never under-return: the index must yield min(k, qualifying) results.
            if hits.count < k {
                let exact = exactSearch(query: query, slots: admitted, k: k, minScore: minScore, stats: &stats)
                if exact.count > hits.count { hits = exact; stats.fellBackToExact = true }
            }
            return hits
        }
        stats.mode = .exact
        return exactSearch(query: query, slots: admitted, k: k, minScore: minScore, stats: &stats)
    }

    private func exactScore(_ q: [Float], slot: Int) -> Float {
        q.withUnsafeBufferPointer { qp in
            vectors.withUnsafeBufferPointer { vp in dot(qp.baseAddress!, vp.baseAddress! + slot * dimension, dimension) }
        }
    }

    private func exactSearch(query: [Float], slots: [Int], k: Int, minScore: Float, stats: inout SearchStats) -> [Hit] {
        var best: [(Float, Int)] = []
        best.reserveCapacity(k + 1)
        query.withUnsafeBufferPointer { qp in
            vectors.withUnsafeBufferPointer { vp in
                for slot in slots {
                    let s = dot(qp.baseAddress!, vp.baseAddress! + slot * dimension, dimension)
                    stats.distanceComputations += 1
                    guard s >= minScore, !s.isNaN else { continue }
                    insertRanked(&best, (s, slot), k: k)
                }
            }
        }
        stats.nodesVisited += slots.count
        return best.map { Hit(slot: $0.1, id: infos[$0.1]!.id, score: $0.0) }
    }

    private func rank(_ scored: [(Int, Float)], k: Int, minScore: Float) -> [Hit] {
        var best: [(Float, Int)] = []
        for (slot, s) in scored where s >= minScore && !s.isNaN { insertRanked(&best, (s, slot), k: k) }
        return best.map { Hit(slot: $0.1, id: infos[$0.1]!.id, score: $0.0) }
    }

    /// Keeps `best` sorted by `ranksBefore` and at most `k` long.
    private func insertRanked(_ best: inout [(Float, Int)], _ x: (Float, Int), k: Int) {
        let xi = infos[x.1]!
        if best.count == k, let last = best.last, !ranksBefore((x.0, xi), (last.0, infos[last.1]!)) { return }
        var lo = 0, hi = best.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranksBefore((best[mid].0, infos[best[mid].1]!), (x.0, xi)) { lo = mid + 1 } else { hi = mid }
        }
        best.insert(x, at: lo)
        if best.count > k { best.removeLast() }
    }
}

/// The approximate nearest-neighbour index of one project (HNSW). Slots are the
/// `ProjectSpace` slots; vectors are L2-normalised, similarity = dot product.
protocol ApproximateIndex: AnyObject {
    func insert(slot: Int, vector: [Float])
    func remove(slot: Int)
    /// Up to `k` slots admitted by `filter`, best first, searching with beam `ef`.
    /// `admitted`: how many items the filter admits (the caller counted them exactly).
    func search(query: [Float], k: Int, ef: Int, admitted: Int, visited: inout Int, filter: @escaping (Int) -> Bool) -> [Int]
    func encode() -> [UInt8]
}

extension ProjectSpace {
    func updateInfo(id: String, _ info: SlotInfo) {
        guard let slot = slotOf[id] else { return }
        infos[slot] = info
    }

    /// The memory id held by each slot (nil = free), for the checkpoint section.
    var slotIds: [String?] { infos.map { $0?.id } }

    /// Restoring from a checkpointed graph: `slots[i]` is the memory id of graph node `i`.
    func beginRestore(slots: [String?], ann restored: any ApproximateIndex) {
        vectors = [Float](repeating: 0, count: slots.count * dimension)
        infos = [SlotInfo?](repeating: nil, count: slots.count)
        slotOf = [:]
        free = []
        ann = restored
        restoreSlots = [:]
        for (slot, id) in slots.enumerated() { if let id { restoreSlots[id] = slot } }
    }

    /// Places `m` at its graph node; false when the graph does not know it.
    func restoreOne(_ m: Memory) -> Bool {
        guard let slot = restoreSlots.removeValue(forKey: m.id) else { return false }
        vectors.replaceSubrange((slot * dimension)..<((slot + 1) * dimension), with: m.embedding)
        infos[slot] = SlotInfo(m)
        slotOf[m.id] = slot
        return true
    }

    /// Removes graph nodes whose memory no longer exists (or was re-embedded) and frees them.
    func finishRestore() {
        for (_, slot) in restoreSlots { ann?.remove(slot: slot) }
        restoreSlots = [:]
        for slot in stride(from: infos.count - 1, through: 0, by: -1) where infos[slot] == nil { free.append(slot) }
    }
}
