import Testing
@testable import AegisVector

@Suite struct Int8KernelsTests {
    func codes(_ v: [Float]) -> (codes: [Int8], scale: Float) {
        let bytes = Int8Kernels.rowBytes(dimension: v.count)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0xAB, count: bytes)  // padding must be rewritten
        let scale = v.withUnsafeBufferPointer { Int8Kernels.quantize($0.baseAddress!, v.count, into: raw) }
        return (Array(UnsafeBufferPointer(start: raw.assumingMemoryBound(to: Int8.self), count: bytes)), scale)
    }

    func dot(_ a: [Int8], _ b: [Int8]) -> Int32 {
        a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in Int8Kernels.dot(pa.baseAddress!, pb.baseAddress!, bytes: a.count) } }
    }

    @Test func rowBytesAreMultiplesOf64() {
        #expect(Int8Kernels.rowBytes(dimension: 1) == 64)
        #expect(Int8Kernels.rowBytes(dimension: 64) == 64)
        #expect(Int8Kernels.rowBytes(dimension: 65) == 128)
        #expect(Int8Kernels.rowBytes(dimension: 384) == 384)
        #expect(Int8Kernels.rowBytes(dimension: 1536) == 1536)
    }

    @Test(arguments: [1, 5, 16, 17, 63, 64, 100, 384, 1536])
    func quantizeRoundTripsWithinHalfAStep(dim: Int) {
        var rng = TestRNG(state: UInt64(dim))
        let v = (0..<dim).map { _ in rng.float() }
        let (c, scale) = codes(v)
        let maxAbs = v.map(abs).max()!
        #expect(scale == maxAbs / 127)
        for i in 0..<dim {
            #expect(abs(Float(c[i]) * scale - v[i]) <= scale * 0.5001, "component \(i)")
            #expect(c[i] >= -127 && c[i] <= 127)
        }
        #expect(c[dim...].allSatisfy { $0 == 0 }, "padding is zeroed")
        // The largest component maps to ±127 exactly.
        let top = v.indices.max { abs(v[$0]) < abs(v[$1]) }!
        #expect(abs(Int(c[top])) == 127)
    }

    @Test func zeroAndNonFiniteVectorsGetZeroCodes() {
        let (c, s) = codes([Float](repeating: 0, count: 40))
        #expect(s == 0 && c.allSatisfy { $0 == 0 })
        let (c2, s2) = codes([1, .infinity, 2])
        #expect(s2 == 0 && c2.allSatisfy { $0 == 0 })
    }

    @Test(arguments: [64, 128, 384, 1536])
    func integerDotMatchesScalarReference(bytes: Int) {
        var rng = TestRNG(state: UInt64(bytes) &* 7)
        for round in 0..<20 {
            var a = (0..<bytes).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127) }
            var b = (0..<bytes).map { _ in Int8(truncatingIfNeeded: Int(rng.next() % 255) - 127) }
            if round == 0 { a = [Int8](repeating: 127, count: bytes); b = a }          // largest positive sum
            if round == 1 { a = [Int8](repeating: -127, count: bytes); b = a }         // negative × negative
            if round == 2 { a = [Int8](repeating: 127, count: bytes); b = [Int8](repeating: -127, count: bytes) }
            let reference = zip(a, b).reduce(Int32(0)) { $0 + Int32($1.0) * Int32($1.1) }
            #expect(dot(a, b) == reference, "round \(round)")
        }
    }

    @Test func approximateDotIsCloseForUnitVectors() {
        var rng = TestRNG(state: 99)
        let dim = 384
        var worst: Float = 0
        for _ in 0..<200 {
            let a = VectorKernels.normalized((0..<dim).map { _ in rng.float() })
            let b = VectorKernels.normalized((0..<dim).map { _ in rng.float() })
            let (ca, sa) = codes(a), (cb, sb) = codes(b)
            let approx = Float(dot(ca, cb)) * sa * sb
            worst = max(worst, abs(approx - VectorKernels.dot(a, b)))
        }
        #expect(worst < 0.003, "worst absolute error \(worst)")
    }
}
