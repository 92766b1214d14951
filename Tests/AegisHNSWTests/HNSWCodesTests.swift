import Testing
import AegisVector
@testable import AegisHNSW

/// Int8 traversal codes: same graph, exact returned distances, recall kept, codes follow every
/// mutation (growth, slot reuse, compact, decode).
@Suite struct HNSWCodesTests {
    static let data = Dataset(n: 2000, queries: 40, dim: 48, seed: 11)

    static func built(codes: Bool, metric: VectorMetric = .cosine, capacity: Int = 0) throws -> HNSWIndex {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 48, metric: metric), capacity: capacity)
        index.useTraversalCodes(codes)
        for (i, r) in data.rows.enumerated() { try index.insert(label: UInt64(i), vector: r) }
        return index
    }

    /// Every hit's distance must be the exact float32 distance of its stored vector.
    static func expectExactDistances(_ index: HNSWIndex, _ hits: [HNSWHit], query: [Float], metric: VectorMetric) {
        let q = metric == .cosine ? VectorKernels.normalized(query) : query
        for h in hits {
            let v = index.vector(label: h.label)!
            let exact = q.withUnsafeBufferPointer { qp in v.withUnsafeBufferPointer { metric.distance(qp.baseAddress!, $0.baseAddress!, v.count) } }
            #expect(h.distance == exact, "label \(h.label)")
        }
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.distance <= $1.distance }, "nearest first")
    }

    @Test func graphIsIdenticalWithOrWithoutCodes() throws {
        let plain = try Self.built(codes: false)
        let coded = try Self.built(codes: true)
        #expect(coded.usesTraversalCodes && !plain.usesTraversalCodes)
        #expect(coded.memoryBytes > plain.memoryBytes)
        let n = Self.data.rows.count
        #expect(coded.encoded().count == plain.encoded().count + n * (Int8Kernels.rowBytes(dimension: 48) + 8),
                "the encoding carries the codes beside the same graph")
        coded.useTraversalCodes(false)
        #expect(plain.encoded() == coded.encoded(), "codes are derived data: the graph itself must not change")
    }

    @Test(arguments: [VectorMetric.cosine, .innerProduct, .l2])
    func resultsAreExactAndRecallIsKept(metric: VectorMetric) throws {
        let index = try Self.built(codes: true, metric: metric)
        for q in Self.data.queries {
            let r = try index.search(q, k: 10)
            #expect(r.hits.count == 10)
            Self.expectExactDistances(index, r.hits, query: q, metric: metric)
        }
        guard metric == .cosine else { return }
        let withCodes = try recall(index, Self.data)
        index.useTraversalCodes(false)
        let without = try recall(index, Self.data)
        #expect(withCodes >= 0.95 && withCodes >= without - 0.02, "int8 \(withCodes) vs float32 \(without)")
    }

    @Test func filteredSearchUsesCodesAndStaysExact() throws {
        let index = try Self.built(codes: true)
        let filter = HNSWFilter(estimatedMatches: 1000) { $0 % 2 == 0 }
        for q in Self.data.queries.prefix(10) {
            let r = try index.search(q, k: 10, filter: filter)
            #expect(r.hits.count == 10 && r.hits.allSatisfy { $0.label % 2 == 0 })
            Self.expectExactDistances(index, r.hits, query: q, metric: .cosine)
        }
    }

    @Test func codesFollowGrowthReplacementDeletesAndCompaction() throws {
        // Capacity 0: the code buffers grow with every reserve.
        let index = try Self.built(codes: true)
        #expect(index.capacity >= 2000)
        var rng = TestRNG(state: 5)
        // Replace half of the vectors, delete a quarter, insert new ones into reused slots.
        for i in stride(from: 0, to: 2000, by: 2) {
            try index.insert(label: UInt64(i), vector: (0..<48).map { _ in rng.gaussian() })
        }
        for i in stride(from: 1, to: 2000, by: 4) { index.remove(label: UInt64(i)) }
        for i in 0..<300 { try index.insert(label: UInt64(10_000 + i), vector: (0..<48).map { _ in rng.gaussian() }) }
        func check(_ what: String) throws {
            // Codes must decode to (about) each slot's stored vector.
            for s in 0..<index.slotCount where index.flags[s] & 1 == 0 {
                let v = index.vec(UInt32(s))
                let scale = index.codeScale![s]
                let c = (index.codes! + s * index.codeStride).assumingMemoryBound(to: Int8.self)
                for i in 0..<48 { #expect(abs(Float(c[i]) * scale - v[i]) <= scale * 0.5001, "\(what): slot \(s)") }
                #expect(abs(index.codeNorm![s] - VectorKernels.dot(v, v, 48)) < 1e-5)
            }
            for q in Self.data.queries.prefix(5) {
                let r = try index.search(q, k: 10)
                Self.expectExactDistances(index, r.hits, query: q, metric: .cosine)
                let exact = try index.search(q, k: 10, ef: 4000)
                #expect(Set(r.hits.map(\.label)).intersection(exact.hits.map(\.label)).count >= 8, "\(what)")
            }
        }
        try check("after replace/delete/reuse")
        try index.compact(threads: 2)
        #expect(index.usesTraversalCodes && index.deletedCount == 0)
        try check("after compact")
    }

    @Test func enablingCodesOnALargeGraphEncodesEverySlot() throws {
        // More than one 8,192-slot chunk: the parallel encoding path.
        let n = 9_000
        var rng = TestRNG(state: 77)
        let flat = (0..<(n * 8)).map { _ in rng.gaussian() }
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 8, m: 4, efConstruction: 8))
        try index.insert(labels: (0..<n).map { UInt64($0) }, vectors: flat, threads: 2)
        index.useTraversalCodes(true)
        var wrong = 0
        for s in 0..<index.slotCount {
            let v = index.vec(UInt32(s))
            let scale = index.codeScale![s]
            let c = (index.codes! + s * index.codeStride).assumingMemoryBound(to: Int8.self)
            if scale <= 0 { wrong += 1; continue }
            for i in 0..<8 where abs(Float(c[i]) * scale - v[i]) > scale * 0.5001 { wrong += 1 }
        }
        #expect(wrong == 0)
    }

    @Test func decodedIndexKeepsItsCodesOrRebuildsThemWhenEnabled() throws {
        let original = try Self.built(codes: true)
        let kept = try HNSWIndex(decoding: original.encoded())
        #expect(kept.usesTraversalCodes, "codes travel with the graph: a start need not read every vector")
        #expect(kept.encoded() == original.encoded())
        let plain = try Self.built(codes: false)
        let decoded = try HNSWIndex(decoding: plain.encoded())
        #expect(!decoded.usesTraversalCodes)
        decoded.useTraversalCodes(true)
        #expect(decoded.encoded() == original.encoded(), "rebuilt codes equal the encoded ones")
        for q in Self.data.queries.prefix(10) {
            #expect(try decoded.search(q, k: 10).hits == original.search(q, k: 10).hits)
            #expect(try kept.search(q, k: 10).hits == original.search(q, k: 10).hits)
        }
        decoded.useTraversalCodes(false)
        #expect(!decoded.usesTraversalCodes)
        #expect(try decoded.search(Self.data.queries[0], k: 10).hits.count == 10)
    }
}
