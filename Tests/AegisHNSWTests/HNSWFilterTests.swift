import Testing
import AegisVector
@testable import AegisHNSW

@Suite struct HNSWFilterTests {
    static let data = Dataset(n: 3000, queries: 30, dim: 16, seed: 11)
    static let index: HNSWIndex = {
        let index = try! HNSWIndex(configuration: HNSWConfiguration(dimension: 16))
        try! index.insert(labels: (0..<3000).map { UInt64($0) }, vectors: data.flat)
        return index
    }()

    /// Rows matching a pseudo-random mask with the given share.
    static func mask(_ share: Double, seed: UInt64) -> [Bool] {
        var rng = TestRNG(state: seed)
        return (0..<3000).map { _ in rng.uniform() < share }
    }

    @Test(arguments: [0.01, 0.001, 0.05, 0.3])
    func filteredRecallAndCount(share: Double) throws {
        let m = Self.mask(share, seed: UInt64(share * 1e6))
        let matches = m.filter { $0 }.count
        let filter = HNSWFilter { m[Int($0)] }
        for q in Self.data.queries {
            let r = try Self.index.search(q, k: 10, filter: filter)
            #expect(r.hits.count == min(10, matches))
            #expect(r.hits.allSatisfy { m[Int($0.label)] })
        }
        let rec = try recall(Self.index, Self.data, live: { m[$0] }, filter: filter)
        #expect(rec >= 0.95, "share \(share): recall \(rec)")
    }

    @Test func selectiveFiltersScanExactly() throws {
        let m = Self.mask(0.01, seed: 4)
        let r = try Self.index.search(Self.data.queries[0], k: 10, filter: HNSWFilter { m[Int($0)] })
        #expect(r.stats.mode == .exact)
        #expect(r.stats.estimatedSelectivity < 0.05)
        // A caller-supplied estimate or candidate list is honoured too.
        let labels = (0..<3000).filter { m[$0] }.map { UInt64($0) }
        let c = try Self.index.search(Self.data.queries[0], k: 10, filter: HNSWFilter(candidates: labels) { _ in true })
        #expect(c.stats.mode == .exact && c.hits.map(\.label) == r.hits.map(\.label))
        let wide = try Self.index.search(Self.data.queries[0], k: 10, filter: HNSWFilter(estimatedMatches: 3000) { m[Int($0)] })
        #expect(wide.hits.map(\.label) == r.hits.map(\.label))  // graph walk falls back or matches
    }

    @Test func forcedGraphPathNeverUnderReturns() throws {
        // exactScanSelectivity 0 forces the graph walk even for tiny match sets.
        let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 16, exactScanSelectivity: 0))
        try index.insert(labels: (0..<1000).map { UInt64($0) }, vectors: Array(Self.data.flat.prefix(16_000)))
        for matching in [0, 1, 3, 9, 10, 11, 40, 200] {
            let filter = HNSWFilter(estimatedMatches: 1000) { $0 < UInt64(matching) }
            for q in Self.data.queries.prefix(5) {
                let r = try index.search(q, k: 10, filter: filter)
                #expect(r.hits.count == min(10, matching), "matching \(matching)")
                #expect(r.hits.allSatisfy { $0.label < UInt64(matching) })
            }
        }
        let m = (0..<1000).map { $0 % 5 == 0 }
        let r = try index.search(Self.data.queries[1], k: 10, filter: HNSWFilter { m[Int($0)] })
        #expect(r.stats.mode == .index && r.stats.ef > 100)  // beam widened for a 20% filter
    }

    @Test func nothingMatches() throws {
        let r = try Self.index.search(Self.data.queries[0], k: 10, filter: HNSWFilter { _ in false })
        #expect(r.hits.isEmpty)
    }
}
