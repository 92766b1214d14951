import Testing
import AegisVector
@testable import AegisHNSW

/// Single inserts choose their neighbours under the shared lock, beside searches: the graph
/// must be exactly the one sequential linking builds, and searches running meanwhile must
/// stay correct.
@Suite struct HNSWConcurrentInsertTests {
    static let data = Dataset(n: 1500, queries: 30, dim: 32, seed: 21)

    @Test func singleInsertsBuildTheSequentialGraph() throws {
        let one = try HNSWIndex(configuration: HNSWConfiguration(dimension: 32))
        for (i, r) in Self.data.rows.enumerated() { try one.insert(label: UInt64(i), vector: r) }
        #expect(one.sharedPhaseInserts > 1400, "most inserts take the shared-lock path (\(one.sharedPhaseInserts))")
        let bulk = try HNSWIndex(configuration: HNSWConfiguration(dimension: 32))
        try bulk.insert(labels: (0..<1500).map { UInt64($0) }, vectors: Self.data.flat, threads: 1)
        #expect(bulk.sharedPhaseInserts == 0)
        #expect(one.encoded() == bulk.encoded(), "same inserts, same order: byte-identical graphs")
    }

    @Test(arguments: [false, true])
    func searchesDuringInsertsStayCorrectAndDoNotChangeTheGraph(codes: Bool) async throws {
        let base = 500
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 32), capacity: 1500)
        index.useTraversalCodes(codes)
        let reference = try HNSWIndex(configuration: HNSWConfiguration(dimension: 32), capacity: 1500)
        reference.useTraversalCodes(codes)   // codes are encoded with the graph: same on both sides
        for (i, r) in Self.data.rows.prefix(base).enumerated() {
            try index.insert(label: UInt64(i), vector: r)
            try reference.insert(label: UInt64(i), vector: r)
        }
        let rows = Self.data.rows, queries = Self.data.queries
        try await withThrowingTaskGroup(of: Int.self) { group in
            group.addTask {
                for i in base..<1500 { try index.insert(label: UInt64(i), vector: rows[i]) }
                return 0
            }
            for t in 0..<3 {
                group.addTask {
                    var bad = 0
                    for round in 0..<150 {
                        let q = queries[(t * 11 + round) % queries.count]
                        let r = try index.search(q, k: 10)
                        if r.hits.count != 10 { bad += 1 }
                        // Every hit's distance is the exact distance of a stored vector.
                        let qn = VectorKernels.normalized(q)
                        for h in r.hits {
                            guard let v = index.vector(label: h.label) else { bad += 1; continue }
                            if h.distance != 1 - VectorKernels.dot(qn, v) { bad += 1 }
                        }
                    }
                    return bad
                }
            }
            var bad = 0
            for try await n in group { bad += n }
            #expect(bad == 0)
        }
        for i in base..<1500 { try reference.insert(label: UInt64(i), vector: rows[i]) }
        #expect(index.encoded() == reference.encoded(), "searches running beside inserts must not change the graph")
        let report = try index.checkIntegrity()
        #expect(report.live == 1500 && report.unreachable == 0)
    }
}
