import AegisCore
import AegisHNSW

/// The project graph: an `HNSWIndex` whose labels are `ProjectSpace` slots, with external
/// vectors (the stored rows; docs/engine.md, "One copy of each vector").
final class HNSWAdapter: ApproximateIndex, @unchecked Sendable {
    let index: HNSWIndex
    /// Set when an insert failed; the owning space then stops trusting the graph (exact scans).
    /// Guarded: inserts run outside the vector spaces' lock, beside searches.
    private let failed = Locked<String?>(nil)
    var failure: String? { failed.withLock { $0 } }

    /// Batches at least this large (> 0) go to the graph's parallel bulk insert on
    /// `bulkThreads` threads; smaller ones are single inserts (they choose their neighbours
    /// under the graph's shared lock, so searches keep running; the bulk insert holds the
    /// exclusive lock for its whole duration). See `EngineConfiguration.hnswBulkInsertThreshold`.
    let bulkThreshold: Int
    let bulkThreads: Int
    /// Bulk insert calls made (observability and tests).
    private let bulkCalls = Locked(0)
    var bulkInsertCalls: Int { bulkCalls.withLock { $0 } }

    init(index: HNSWIndex, configuration: EngineConfiguration = .init()) {
        self.index = index
        bulkThreshold = configuration.hnswBulkInsertThreshold
        bulkThreads = max(1, min(256, configuration.hnswBulkInsertThreads))
    }

    func insert(slot: Int, row: UnsafePointer<Float>) {
        do { try index.insert(label: UInt64(slot), stableVector: row) } catch { fail("insert of slot \(slot): \(error)") }
    }

    /// Marks the graph failed (the first reason is kept).
    private func fail(_ why: String) {
        failed.withLock { if $0 == nil { $0 = why } }
    }

    /// Many new nodes at once. Labels are distinct space slots; a failed bulk insert marks the
    /// graph failed like a failed single insert (the space then answers by exact scans).
    func insert(batch: [(slot: Int, row: UnsafePointer<Float>)]) {
        guard bulkThreshold > 0, batch.count >= bulkThreshold, Set(batch.map(\.slot)).count == batch.count else {
            for b in batch { insert(slot: b.slot, row: b.row) }
            return
        }
        bulkCalls.withLock { $0 += 1 }
        do {
            try index.insert(labels: batch.map { UInt64($0.slot) }, stableVectors: batch.map(\.row), threads: bulkThreads)
        } catch { fail("bulk insert of \(batch.count) nodes: \(error)") }
    }

    func remove(slot: Int) { index.remove(label: UInt64(slot)) }

    func attach(rows: [(slot: Int, row: UnsafePointer<Float>)], traversalCodes: Bool) {
        do { try index.attach(rows: rows.map { (UInt64($0.slot), $0.row) }) } catch { fail("attaching rows: \(error)") }
        index.useTraversalCodes(traversalCodes)
    }

    func search(query: [Float], k: Int, ef: Int, admitted: Int?, visited: inout IndexSearchCounters,
                filter: @escaping (Int) -> Bool) -> [Int] {
        guard failure == nil else { return [] }
        let f = HNSWFilter(estimatedMatches: admitted) { filter(Int($0)) }
        guard let r = try? index.search(query, k: k, ef: min(ef, 65_536), filter: f) else { return [] }
        visited.nodes = r.stats.nodesVisited
        visited.distances = r.stats.distanceComputations
        visited.selectivity = r.stats.estimatedSelectivity
        visited.exact = r.stats.mode == .exact
        visited.fallback = r.stats.mode == .exactFallback
        return r.hits.map { Int($0.label) }
    }

    /// The graph bytes for the checkpoint: links and int8 codes, no vectors (they are the
    /// store's). A deleted memory leaves nothing of its content in them: its tombstone's codes
    /// are written as zeros. Encoding holds only the graph's mutation lock, so searches run on.
    /// Empty bytes (rebuild at start-up) for a failed graph.
    func encode() -> [UInt8] {
        guard failure == nil else { return [] }
        return index.encoded()
    }
}

/// Creates and decodes the per-project approximate index.
enum IndexFactory {
    static func hnswConfiguration(dimension: Int, _ c: EngineConfiguration) -> HNSWConfiguration {
        HNSWConfiguration(dimension: dimension, metric: .cosine, m: c.hnswM, efConstruction: c.hnswEfConstruction,
                          efSearch: c.hnswEfSearch, seed: c.hnswSeed, exactScanSelectivity: c.exactScanSelectivity)
    }

    static func make(dimension: Int, configuration: EngineConfiguration) -> (any ApproximateIndex)? {
        guard let index = try? HNSWIndex(configuration: hnswConfiguration(dimension: dimension, configuration),
                                         externalVectors: true) else { return nil }
        index.useTraversalCodes(configuration.hnswTraversalCodes)
        return HNSWAdapter(index: index, configuration: configuration)
    }

    /// A checkpointed graph, or nil when it does not decode or does not fit this engine
    /// (the caller then rebuilds from the tables — the graph is derived data). Its nodes have
    /// no rows yet: the caller attaches them (`attach(rows:traversalCodes:)`), which also
    /// builds the int8 codes when the section carried none.
    static func decode(_ entry: IndexSection.Entry, dimension: Int, configuration: EngineConfiguration) -> (any ApproximateIndex)? {
        guard !entry.graph.isEmpty, let index = try? HNSWIndex(decoding: entry.graph, externalVectors: { _ in nil }),
              index.configuration.dimension == dimension else { return nil }
        return HNSWAdapter(index: index, configuration: configuration)
    }
}
