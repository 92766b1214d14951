import AegisCore
import AegisHNSW

/// The project graph: an `HNSWIndex` whose labels are `ProjectSpace` slots.
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

    func insert(slot: Int, vector: [Float]) {
        do { try index.insert(label: UInt64(slot), vector: vector) } catch { failed.withLock { $0 = "\(error)" } }
    }

    /// Many new nodes at once. Labels are distinct space slots; a failed bulk insert marks the
    /// graph failed like a failed single insert (the space then answers by exact scans).
    func insert(batch: [(slot: Int, vector: [Float])]) {
        guard bulkThreshold > 0, batch.count >= bulkThreshold, Set(batch.map(\.slot)).count == batch.count else {
            for b in batch { insert(slot: b.slot, vector: b.vector) }
            return
        }
        let dim = index.configuration.dimension
        var rows = [Float]()
        rows.reserveCapacity(batch.count * dim)
        for b in batch {
            guard b.vector.count == dim else {
                failed.withLock { $0 = "bulk insert: vector of slot \(b.slot) has \(b.vector.count) components, expected \(dim)" }
                return
            }
            rows.append(contentsOf: b.vector)
        }
        bulkCalls.withLock { $0 += 1 }
        do {
            try index.insert(labels: batch.map { UInt64($0.slot) }, vectors: rows, threads: bulkThreads)
        } catch { failed.withLock { $0 = "\(error)" } }
    }

    func remove(slot: Int) { index.remove(label: UInt64(slot)) }

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

    /// The graph bytes for the checkpoint. Deleted memories' vectors must not survive into a
    /// snapshot (real erasure), and a tombstoned slot still holds its vector: when the graph
    /// has tombstones, a compacted copy (survivors only) is encoded instead — the live graph
    /// is left alone, so searches never stall on it. Empty bytes (rebuild at start-up) if the
    /// copy cannot be made.
    func encode() -> [UInt8] {
        guard failure == nil else { return [] }
        let bytes = index.encoded()
        guard index.deletedCount > 0 else { return bytes }
        guard let copy = try? HNSWIndex(decoding: bytes) else { return [] }
        do { try copy.compact(threads: 2) } catch { return [] }
        return copy.encoded()
    }
}

/// Creates and decodes the per-project approximate index.
enum IndexFactory {
    static func hnswConfiguration(dimension: Int, _ c: EngineConfiguration) -> HNSWConfiguration {
        HNSWConfiguration(dimension: dimension, metric: .cosine, m: c.hnswM, efConstruction: c.hnswEfConstruction,
                          efSearch: c.hnswEfSearch, seed: c.hnswSeed, exactScanSelectivity: c.exactScanSelectivity)
    }

    static func make(dimension: Int, configuration: EngineConfiguration) -> (any ApproximateIndex)? {
        guard let index = try? HNSWIndex(configuration: hnswConfiguration(dimension: dimension, configuration)) else { return nil }
        index.useTraversalCodes(configuration.hnswTraversalCodes)
        return HNSWAdapter(index: index, configuration: configuration)
    }

    /// A checkpointed graph, or nil when it does not decode or does not fit this engine
    /// (the caller then rebuilds from the tables — the graph is derived data).
    static func decode(_ entry: IndexSection.Entry, dimension: Int, configuration: EngineConfiguration) -> (any ApproximateIndex)? {
        guard !entry.graph.isEmpty, let index = try? HNSWIndex(decoding: entry.graph),
              index.configuration.dimension == dimension else { return nil }
        index.useTraversalCodes(configuration.hnswTraversalCodes)
        return HNSWAdapter(index: index, configuration: configuration)
    }
}
