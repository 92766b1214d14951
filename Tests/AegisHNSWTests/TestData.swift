import Testing
import AegisVector
@testable import AegisHNSW

/// Seeded generator so failures reproduce.
struct TestRNG: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }
    mutating func gaussian() -> Float {
        Float((-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * .pi * uniform()))
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `n` vectors around `clusters` centres (row-major), plus `q` queries of the same kind.
struct Dataset {
    let dim: Int
    let rows: [[Float]]
    let queries: [[Float]]

    init(n: Int, queries q: Int, dim: Int, clusters: Int = 16, spread: Float = 0.35, seed: UInt64 = 1) {
        var rng = TestRNG(state: seed)
        let centres = (0..<clusters).map { _ in (0..<dim).map { _ in rng.gaussian() } }
        func sample() -> [Float] {
            let c = centres[Int(rng.next() % UInt64(clusters))]
            return c.map { $0 + spread * rng.gaussian() }
        }
        self.dim = dim
        rows = (0..<n).map { _ in sample() }
        queries = (0..<q).map { _ in sample() }
    }

    var flat: [Float] { rows.flatMap { $0 } }

    /// Exact top-k labels (row index + labelOffset) by brute force, optionally filtered.
    func truth(_ query: [Float], k: Int, labelOffset: UInt64 = 0, live: ((Int) -> Bool)? = nil) -> [UInt64] {
        let arena = try! VectorArena(dimension: dim, capacity: rows.count)
        for r in rows { try! arena.append(VectorKernels.normalized(r)) }
        return try! ExactSearch.topK(query: query, arena: arena, k: k, metric: .cosine, include: live).map { $0.id + labelOffset }
    }
}

/// Recall@k of `index` over the dataset's queries against brute force.
func recall(_ index: HNSWIndex, _ data: Dataset, k: Int = 10, ef: Int? = nil, live: ((Int) -> Bool)? = nil,
            filter: HNSWFilter? = nil) throws -> Double {
    let arena = try VectorArena(dimension: data.dim, capacity: data.rows.count)
    for r in data.rows { try arena.append(VectorKernels.normalized(r)) }
    var found = 0, total = 0
    for q in data.queries {
        let expected = Set(try ExactSearch.topK(query: q, arena: arena, k: k, metric: .cosine, include: live).map(\.id))
        let got = try index.search(q, k: k, ef: ef, filter: filter)
        #expect(got.hits.count == expected.count)
        found += got.hits.filter { expected.contains($0.label) }.count
        total += expected.count
    }
    return total == 0 ? 1 : Double(found) / Double(total)
}
