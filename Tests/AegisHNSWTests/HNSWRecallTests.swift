import Testing
import AegisVector
@testable import AegisHNSW

@Suite struct HNSWRecallTests {
    static let data = Dataset(n: 2000, queries: 40, dim: 24)

    @Test func incrementalInsertReachesRecall() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 24))
        for (i, r) in Self.data.rows.enumerated() { try index.insert(label: UInt64(i), vector: r) }
        #expect(index.count == 2000)
        let r = try recall(index, Self.data)
        #expect(r >= 0.95, "recall \(r)")
        let report = try index.checkIntegrity()
        #expect(report.live == 2000 && report.unreachable == 0)
    }

    @Test func parallelBulkBuildReachesSameRecall() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 24))
        try index.insert(labels: (0..<2000).map { UInt64($0) }, vectors: Self.data.flat, threads: 2)
        let r = try recall(index, Self.data)
        #expect(r >= 0.95, "recall \(r)")
        try index.checkIntegrity()
    }

    @Test func randomUniformData() throws {
        let data = Dataset(n: 1500, queries: 30, dim: 20, clusters: 1, spread: 1, seed: 3)
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 20))
        try index.insert(labels: (0..<1500).map { UInt64($0) }, vectors: data.flat)
        let r = try recall(index, data, ef: 128)
        #expect(r >= 0.95, "recall \(r)")
    }

    @Test func perQueryEfAndStats() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 24, efSearch: 40))
        try index.insert(labels: (0..<500).map { UInt64($0) }, vectors: Array(Self.data.flat.prefix(500 * 24)))
        let q = Self.data.queries[0]
        let a = try index.search(q, k: 5)
        #expect(a.stats.ef == 40 && a.stats.mode == .index && a.hits.count == 5)
        #expect(a.stats.distanceComputations > 0 && a.stats.nodesVisited > 0)
        let b = try index.search(q, k: 5, ef: 200)
        #expect(b.stats.ef == 200 && b.stats.distanceComputations >= a.stats.distanceComputations)
        let c = try index.search(q, k: 50, ef: 10)
        #expect(c.stats.ef == 50 && c.hits.count == 50)  // ef is raised to k
        #expect(zip(c.hits, c.hits.dropFirst()).allSatisfy { $0.distance <= $1.distance })
        #expect(try index.search(q, k: 0).hits.isEmpty)
        #expect(throws: HNSWError.self) { try index.search(q, k: 5, ef: 0) }
        #expect(throws: HNSWError.self) { try index.search([1, 2], k: 5) }
        var bad = q
        bad[3] = .nan
        #expect(throws: HNSWError.self) { try index.search(bad, k: 5) }
    }

    @Test func smallAndEmptyIndexes() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 3))
        #expect(try index.search([1, 0, 0], k: 5).hits.isEmpty)
        try index.insert(label: 7, vector: [1, 0, 0])
        try index.insert(label: 8, vector: [0, 1, 0])
        try index.insert(label: 9, vector: [0, 0, 0])  // zero vector: stored, similarity 0
        let r = try index.search([1, 0.1, 0], k: 5)
        #expect(r.hits.map(\.label) == [7, 8, 9])
        #expect(abs(r.hits[2].similarity) < 1e-6)
        #expect(throws: HNSWError.self) { try index.insert(label: 10, vector: [1, .infinity, 0]) }
        #expect(throws: HNSWError.self) { try index.insert(label: 10, vector: [1, 0]) }
        #expect(index.count == 3)
        try index.checkIntegrity()
    }

    @Test func configurationIsValidated() {
        #expect(throws: HNSWError.self) { try HNSWIndex(configuration: HNSWConfiguration(dimension: 0)) }
        #expect(throws: HNSWError.self) { try HNSWIndex(configuration: HNSWConfiguration(dimension: 8, m: 1)) }
        #expect(throws: HNSWError.self) { try HNSWIndex(configuration: HNSWConfiguration(dimension: 8, m: 16, efConstruction: 8)) }
        #expect(throws: HNSWError.self) { try HNSWIndex(configuration: HNSWConfiguration(dimension: 8, efSearch: 0)) }
        #expect(throws: HNSWError.self) { try HNSWIndex(configuration: HNSWConfiguration(dimension: 8, exactScanSelectivity: 2)) }
        let c = HNSWConfiguration(dimension: 384)
        #expect(c.m == 16 && c.efConstruction == 64 && c.efSearch == 100 && c.m0 == 32)
    }

    @Test func bulkInsertValidatesBatch() throws {
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 2))
        #expect(throws: HNSWError.self) { try index.insert(labels: [1, 1], vectors: [1, 0, 0, 1]) }
        #expect(throws: HNSWError.self) { try index.insert(labels: [1, 2], vectors: [1, 0, 0]) }
        #expect(throws: HNSWError.self) { try index.insert(labels: [1, 2], vectors: [1, 0, .nan, 1]) }
        #expect(index.count == 0)
        try index.insert(labels: [1, 2], vectors: [1, 0, 0, 1])
        try index.insert(labels: [2], vectors: [1, 1])  // replaces label 2
        #expect(index.count == 2)
        #expect(index.vector(label: 2).map { abs($0[0] - $0[1]) < 1e-6 } == true)
        try index.checkIntegrity()
    }
}
