import Testing
import AegisVector
@testable import AegisHNSW

@Suite struct HNSWEncodingTests {
    static let data = Dataset(n: 600, queries: 10, dim: 12, seed: 21)

    static func build(_ rows: ArraySlice<[Float]>, seed: UInt64 = 100) throws -> HNSWIndex {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 12, m: 8, efConstruction: 32, seed: seed))
        for (i, r) in zip(rows.indices, rows) { try index.insert(label: UInt64(i) * 3, vector: r) }
        return index
    }

    @Test func sameInsertsSameOrderGiveIdenticalBytes() throws {
        let a = try Self.build(Self.data.rows[...]).encoded()
        let b = try Self.build(Self.data.rows[...]).encoded()
        let equal = a == b
        #expect(equal, "two builds differ at \(zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1), sizes \(a.count) \(b.count)")
        // Single-threaded bulk insert is the same graph as one-at-a-time inserts.
        let c = try HNSWIndex(configuration: HNSWConfiguration(dimension: 12, m: 8, efConstruction: 32))
        try c.insert(labels: (0..<600).map { UInt64($0) * 3 }, vectors: Self.data.flat, threads: 1)
        let same = c.encoded() == a
        #expect(same, "bulk(1 thread) differs from one-at-a-time")
        let differs = try Self.build(Self.data.rows[...], seed: 101).encoded() != a
        #expect(differs)
    }

    @Test func roundTripPreservesGraphAndContinuesIdentically() throws {
        let index = try Self.build(Self.data.rows[0..<400])
        index.remove(label: 30)
        index.remove(label: 33)
        let bytes = index.encoded()
        let loaded = try HNSWIndex(decoding: bytes)
        let re = loaded.encoded()
        let same = re == bytes
        #expect(same, "re-encoding differs at \(zip(re, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? -1)")
        #expect(loaded.count == index.count && loaded.configuration == index.configuration)
        for q in Self.data.queries {
            #expect(try loaded.search(q, k: 5).hits == index.search(q, k: 5).hits)
        }
        for (i, r) in Self.data.rows[400...].enumerated() {
            try index.insert(label: UInt64(400 + i) * 3, vector: r)
            try loaded.insert(label: UInt64(400 + i) * 3, vector: r)
        }
        let same2 = loaded.encoded() == index.encoded()
        #expect(same2, "continued inserts differ")
        try loaded.checkIntegrity()
    }

    @Test func emptyIndexRoundTrips() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 5))
        let loaded = try HNSWIndex(decoding: index.encoded())
        #expect(loaded.count == 0)
        try loaded.insert(label: 1, vector: [1, 2, 3, 4, 5])
        #expect(try loaded.search([1, 2, 3, 4, 5], k: 1).hits.first?.label == 1)
    }

    @Test func everyBitFlipIsRejected() throws {
        let bytes = try Self.build(Self.data.rows[0..<60]).encoded()
        var rng = TestRNG(state: 77)
        var positions = Array(0..<min(bytes.count, 96))  // whole header
        for _ in 0..<300 { positions.append(Int(rng.next() % UInt64(bytes.count))) }
        for pos in positions {
            var bad = bytes
            bad[pos] ^= UInt8(1 << (rng.next() % 8))
            #expect(throws: HNSWError.self, "flip at \(pos)") { try HNSWIndex(decoding: bad) }
        }
    }

    @Test func truncationAndExtensionAreRejected() throws {
        let bytes = try Self.build(Self.data.rows[0..<60]).encoded()
        for cut in [0, 1, 7, 8, 79, 80, 87, bytes.count / 2, bytes.count - 9, bytes.count - 1] {
            #expect(throws: HNSWError.self, "cut \(cut)") { try HNSWIndex(decoding: Array(bytes.prefix(cut))) }
        }
        #expect(throws: HNSWError.self) { try HNSWIndex(decoding: bytes + [0]) }
    }

    /// Rewrites header fields and re-seals the checksum, so only the semantic checks stand
    /// between a hostile count and an allocation or an out-of-range read.
    @Test func hostileCountsWithValidChecksumAreRejected() throws {
        let bytes = try Self.build(Self.data.rows[0..<60]).encoded()
        func reseal(_ b: [UInt8]) -> [UInt8] {
            var b = b
            let sum = Array(b.prefix(b.count - 8)).withUnsafeBytes { HNSWIndex.checksum($0, version: 2) }
            withUnsafeBytes(of: sum.littleEndian) { for i in 0..<8 { b[b.count - 8 + i] = $0[i] } }
            return b
        }
        func patch32(_ off: Int, _ v: UInt32) -> [UInt8] {
            var b = bytes
            withUnsafeBytes(of: v.littleEndian) { for i in 0..<4 { b[off + i] = $0[i] } }
            return reseal(b)
        }
        #expect(try HNSWIndex(decoding: reseal(bytes)).count == 60)  // resealing alone is fine
        for (off, v) in [(16, UInt32.max), (16, 0), (20, 100_000), (32, UInt32.max), (32, 61), (36, 60), (36, 9999),
                         (40, 99), (44, 5), (44, UInt32.max), (24, 1), (28, 0)] {
            #expect(throws: HNSWError.self, "offset \(off) = \(v)") { try HNSWIndex(decoding: patch32(off, v)) }
        }
        // A link pointing outside the graph (first level-0 word after the count of slot 0).
        let n = 60, dim = 12
        let linksStart = 80 + n * 10 + ((4 - (n * 10) % 4) % 4) + n * dim * 4
        var b = bytes
        b[linksStart + 4] = 0xFF; b[linksStart + 5] = 0xFF
        #expect(throws: HNSWError.self) { try HNSWIndex(decoding: reseal(b)) }
        var c = bytes
        c[linksStart] = 200  // link count above 2m
        #expect(throws: HNSWError.self) { try HNSWIndex(decoding: reseal(c)) }
        var nanVector = bytes
        let vecStart = 80 + n * 10 + ((4 - (n * 10) % 4) % 4)
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { for i in 0..<4 { nanVector[vecStart + i] = $0[i] } }
        #expect(throws: HNSWError.self) { try HNSWIndex(decoding: reseal(nanVector)) }
    }

    /// libxxhash's XXH64 (version-1 graphs) and XXH3-64 (version 2) against published vectors.
    @Test func checksumsMatchReferenceVectors() {
        func v1(_ s: String) -> UInt64 { Array(s.utf8).withUnsafeBytes { HNSWIndex.checksum($0, version: 1) } }
        #expect(v1("") == 0xEF46_DB37_51D8_E999)
        #expect(v1("abc") == 0x44BC_2CF5_AD77_0999)
        #expect(v1("Nobody inspects the spammish repetition") == 0xFBCE_A83C_8A37_8BF1)
        #expect([UInt8]().withUnsafeBytes { HNSWIndex.checksum($0, version: 2) } == 0x2D06_8005_38D3_94C2)
    }
}
