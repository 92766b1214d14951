import Testing
@testable import AegisVector

/// Seeded generator so failures reproduce.
struct TestRNG {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func float() -> Float { Float(Double(next() >> 11) * 0x1p-53 * 2 - 1) }
    mutating func vector(_ d: Int) -> [Float] { (0..<d).map { _ in float() } }
}

func scalarDot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
func scalarL2(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0) { $0 + pow2(Double($1.0) - Double($1.1)) } }
func pow2(_ x: Double) -> Double { x * x }

@Test(arguments: [1, 3, 7, 15, 16, 17, 31, 63, 64, 65, 100, 127, 383, 384, 385, 768, 1024, 1536, 3072])
func kernelsMatchScalarReference(dim: Int) {
    var rng = TestRNG(state: UInt64(dim))
    let a = rng.vector(dim), b = rng.vector(dim)
    let tol = 1e-4 * Double(dim).squareRoot()
    #expect(abs(Double(VectorKernels.dot(a, b)) - scalarDot(a, b)) < tol)
    #expect(abs(Double(VectorKernels.l2Squared(a, b)) - scalarL2(a, b)) < tol * 4)
    let cos = scalarDot(a, b) / (scalarDot(a, a).squareRoot() * scalarDot(b, b).squareRoot())
    #expect(abs(Double(VectorKernels.cosine(a, b)) - cos) < 1e-4)
    let n = VectorKernels.normalized(a)
    #expect(abs(scalarDot(n, n) - 1) < 1e-4)
    #expect(abs(Double(VectorKernels.dot(n, VectorKernels.normalized(b))) - cos) < 1e-4)
}

@Test func zeroVectorsAreHandled() {
    let z = [Float](repeating: 0, count: 37)
    var rng = TestRNG(state: 9)
    let v = rng.vector(37)
    #expect(VectorKernels.cosine(z, v) == 0)
    #expect(VectorKernels.cosine(z, z) == 0)
    #expect(VectorKernels.normalized(z) == z)
    #expect(VectorKernels.dot(z, v) == 0)
}

@Test(arguments: [Float.nan, .infinity, -.infinity, .signalingNaN])
func nonFiniteComponentsAreDetected(bad: Float) {
    for dim in [1, 16, 17, 100] {
        for pos in [0, dim / 2, dim - 1] {
            var v = [Float](repeating: 0.5, count: dim)
            v[pos] = bad
            #expect(!VectorKernels.allFinite(v), "dim \(dim) pos \(pos)")
        }
    }
    #expect(VectorKernels.allFinite([Float](repeating: .greatestFiniteMagnitude, count: 33)))
}

@Test func arenaRejectsBadVectorsAndKeepsAlignment() throws {
    let arena = try VectorArena(dimension: 5)
    #expect(arena.stride == 16)
    #expect(throws: VectorError.self) { try arena.append([1, 2, 3]) }
    #expect(throws: VectorError.self) { try arena.append([1, 2, .nan, 4, 5]) }
    #expect(throws: VectorError.self) { try arena.append([1, 2, .infinity, 4, 5]) }
    #expect(arena.count == 0)
    for i in 0..<100 { try arena.append([Float(i), 1, 2, 3, 4]) }
    #expect(arena.count == 100)
    #expect(Int(bitPattern: arena.base) % VectorArena.alignment == 0)
    #expect(arena.vector(at: 42) == [42, 1, 2, 3, 4])
    #expect(arena.pointer(at: 42)[5] == 0)  // padding is zero
    #expect(throws: VectorError.self) { try VectorArena(dimension: 0) }
    #expect(throws: VectorError.self) { try VectorArena(dimension: VectorArena.maxDimension + 1) }
}

@Test func exactSearchMatchesSortedScan() throws {
    var rng = TestRNG(state: 5)
    let dim = 19
    let arena = try VectorArena(dimension: dim)
    var rows = [[Float]]()
    for _ in 0..<500 {
        let v = VectorKernels.normalized(rng.vector(dim))
        rows.append(v)
        try arena.append(v)
    }
    let q = rng.vector(dim)
    let qn = VectorKernels.normalized(q)
    let expected = rows.indices.sorted { scalarDot(rows[$0], qn) > scalarDot(rows[$1], qn) }
    let hits = try ExactSearch.topK(query: q, arena: arena, k: 10, metric: .cosine)
    #expect(hits.map { Int($0.id) } == Array(expected.prefix(10)))
    let odd = try ExactSearch.topK(query: q, arena: arena, k: 10, metric: .cosine, include: { $0 % 2 == 1 })
    #expect(odd.map { Int($0.id) } == Array(expected.filter { $0 % 2 == 1 }.prefix(10)))
    let few = try ExactSearch.topK(query: q, arena: arena, k: 10, metric: .cosine, include: { $0 < 3 })
    #expect(few.count == 3)
    #expect(throws: VectorError.self) { try ExactSearch.topK(query: [Float](repeating: .nan, count: dim), arena: arena, k: 3, metric: .cosine) }
    let l2 = try ExactSearch.topK(query: rows[7], arena: arena, k: 1, metric: .l2)
    #expect(l2.first?.id == 7)
}
