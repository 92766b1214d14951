/// Similarity measures shared by the exact search and the HNSW index.
public enum VectorMetric: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Cosine similarity; vectors are normalised when stored, distance = 1 - cosine.
    case cosine = 1
    /// Raw inner product; distance = 1 - dot (for already-normalised inputs this equals cosine).
    case innerProduct = 2
    /// Squared Euclidean distance.
    case l2 = 3

    public var description: String {
        switch self {
        case .cosine: "cosine"
        case .innerProduct: "ip"
        case .l2: "l2"
        }
    }

    /// Distance between two stored/prepared vectors (smaller is closer).
    @inlinable @inline(__always)
    public func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        switch self {
        case .cosine, .innerProduct: 1 - VectorKernels.dot(a, b, n)
        case .l2: VectorKernels.l2Squared(a, b, n)
        }
    }
}

/// One result of a nearest-neighbour search: the row (or label) and its distance.
public struct VectorHit: Sendable, Hashable {
    public var id: UInt64
    public var distance: Float
    public init(id: UInt64, distance: Float) {
        self.id = id
        self.distance = distance
    }
}

/// Exact brute-force top-k over an arena: the recall oracle for tests and the fallback for
/// tiny or very selective searches. Results are sorted by (distance, id), so ties are stable.
public enum ExactSearch {
    /// Top-`k` rows of `arena` nearest to `query` (already prepared: normalised for cosine).
    /// `include` (optional) is asked once per row; rows it rejects are skipped.
    public static func topK(
        query: UnsafePointer<Float>, arena: VectorArena, k: Int, metric: VectorMetric,
        include: ((Int) -> Bool)? = nil
    ) -> [VectorHit] {
        guard k > 0, arena.count > 0 else { return [] }
        var heap = BoundedMaxHeap(capacity: k)
        let dim = arena.dimension
        for row in 0..<arena.count {
            if let include, !include(row) { continue }
            let d = metric.distance(query, arena.pointer(at: row), dim)
            heap.offer(d, UInt64(row))
        }
        return heap.sortedHits()
    }

    /// Convenience: validates and prepares `query` (normalising for cosine) first.
    public static func topK(
        query: [Float], arena: VectorArena, k: Int, metric: VectorMetric, include: ((Int) -> Bool)? = nil
    ) throws(VectorError) -> [VectorHit] {
        guard query.count == arena.dimension else {
            throw VectorError(.dimensionMismatch, "query has \(query.count) components, arena dimension is \(arena.dimension)")
        }
        guard VectorKernels.allFinite(query) else { throw VectorError(.nonFinite, "query contains NaN or infinity") }
        let q = metric == .cosine ? VectorKernels.normalized(query) : query
        return q.withUnsafeBufferPointer { topK(query: $0.baseAddress!, arena: arena, k: k, metric: metric, include: include) }
    }
}

/// A max-heap of at most `capacity` (distance, id) pairs keeping the smallest distances.
/// Ties are broken by id (smaller id wins) so results are deterministic.
public struct BoundedMaxHeap: Sendable {
    public let capacity: Int
    private var d: [Float] = []
    private var ids: [UInt64] = []

    public init(capacity: Int) {
        self.capacity = capacity
        d.reserveCapacity(capacity)
        ids.reserveCapacity(capacity)
    }

    public var count: Int { d.count }
    /// The largest kept distance (the admission threshold once full).
    public var worst: Float? { d.first }

    @inline(__always)
    private func greater(_ i: Int, _ j: Int) -> Bool {
        d[i] > d[j] || (d[i] == d[j] && ids[i] > ids[j])
    }

    public mutating func offer(_ dist: Float, _ id: UInt64) {
        if d.count < capacity {
            d.append(dist); ids.append(id)
            var i = d.count - 1
            while i > 0 {
                let p = (i - 1) / 2
                if greater(i, p) { d.swapAt(i, p); ids.swapAt(i, p); i = p } else { break }
            }
            return
        }
        guard capacity > 0, dist < d[0] || (dist == d[0] && id < ids[0]) else { return }
        d[0] = dist; ids[0] = id
        var i = 0
        let n = d.count
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < n && greater(l, m) { m = l }
            if r < n && greater(r, m) { m = r }
            if m == i { break }
            d.swapAt(i, m); ids.swapAt(i, m); i = m
        }
    }

    public func sortedHits() -> [VectorHit] {
        var out = (0..<d.count).map { VectorHit(id: ids[$0], distance: d[$0]) }
        out.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.id < $1.id) }
        return out
    }
}
