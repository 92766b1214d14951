import Foundation
import AegisLexical

/// Engine tuning. The executable reads the environment (`AEGIS_HNSW_M`,
/// `AEGIS_HNSW_EF_CONSTRUCTION`, `AEGIS_HNSW_EF_SEARCH`, `AEGIS_CHECKPOINT_INTERVAL_SECONDS`,
/// `AEGIS_TTL_SWEEP_INTERVAL_SECONDS`, `AEGIS_MAX_IN_FLIGHT` / `DB_POOL_SIZE`) and builds one;
/// the engine never reads the environment itself.
public struct EngineConfiguration: Sendable, Equatable {
    /// HNSW graph degree for indexes created by this engine (existing indexes keep theirs).
    public var hnswM: Int = 16
    /// HNSW build beam width for new indexes.
    public var hnswEfConstruction: Int = 64
    /// Default search beam width (overridable per query).
    public var hnswEfSearch: Int = 100
    /// Below this many memories in the filtered candidate set, search scans exactly instead
    /// of walking the graph. Also applies when the filter admits less than
    /// `exactScanSelectivity` of the project's memories.
    public var exactScanThreshold: Int = 2_000
    /// Filter selectivity (fraction of the project's vectors admitted) under which the
    /// engine scans the admitted set exactly.
    public var exactScanSelectivity: Double = 0.02
    /// Seconds between automatic checkpoints (snapshot + index section); 0 disables.
    public var checkpointIntervalSeconds: Double = 300
    /// Also checkpoint when this many events were committed since the last one; 0 disables.
    public var checkpointEveryEvents: Int = 100_000
    /// Seconds between TTL sweeps that hard-delete expired memories; 0 disables.
    public var ttlSweepIntervalSeconds: Double = 60
    /// Maximum concurrent engine operations; further callers get `.unavailable` (503).
    /// The HTTP layer reports it as the `aegis_db_pool_size` gauge.
    public var maxInFlight: Int = 64
    /// Seed for the HNSW level generator (reproducible graphs).
    public var hnswSeed: UInt64 = 0x5EED_AE61
    /// Searches walk the graph's level 0 on int8 copies of the vectors (a quarter of the
    /// bytes; the search is memory-bound) and re-rank the beam with the float32 vectors, so
    /// scores and order stay exact. Costs `dimension` (rounded up to 64) + 8 bytes per memory.
    /// `AEGIS_HNSW_TRAVERSAL=float32` turns it off.
    public var hnswTraversalCodes: Bool = true
    /// When one commit brings at least this many new memories of one project (an import
    /// chunk, a big `add_batch`), they enter the graph in one parallel bulk insert, which holds
    /// the graph's exclusive lock (searches of that project wait) for its duration; smaller
    /// groups are single inserts that let searches run. 0 = never bulk.
    /// `AEGIS_HNSW_BULK_THRESHOLD`.
    public var hnswBulkInsertThreshold: Int = 32
    /// Link threads of a bulk insert (default: the machine's cores, at most 8).
    /// `AEGIS_HNSW_BULK_THREADS`.
    public var hnswBulkInsertThreads: Int = EngineConfiguration.defaultBulkThreads

    /// `retrieval` of `/memories/query` and `query_cross_agent` when a request names none
    /// (`AEGIS_QUERY_RETRIEVAL`; dense = the 1.2 behaviour). docs/hybrid-retrieval.md.
    public var queryRetrieval: Retrieval = .dense
    /// Candidates per channel for hybrid/lexical `retrieval` on the query routes (`hybrid_query`
    /// takes its own `candidate_pool`). `AEGIS_HYBRID_CANDIDATE_POOL`.
    public var hybridCandidatePool: Int = 40
    /// BM25 k1 / b (`AEGIS_BM25_K1`, `AEGIS_BM25_B`).
    public var bm25 = BM25Parameters()
    /// `apply_decay`'s half-lives (`AEGIS_DECAY_HALF_LIFE_DAYS`).
    public var decay = DecayParameters()
    /// Keep the lexical index (false: hybrid/lexical retrieval find nothing lexically; only
    /// `bench hybrid` turns it off, to measure what it costs writes).
    public var lexicalIndex = true

    public static var defaultBulkThreads: Int { max(1, min(8, ProcessInfo.processInfo.activeProcessorCount)) }

    public init() {}

    public init(hnswM: Int = 16, hnswEfConstruction: Int = 64, hnswEfSearch: Int = 100,
                checkpointIntervalSeconds: Double = 300, ttlSweepIntervalSeconds: Double = 60,
                maxInFlight: Int = 64) {
        self.hnswM = hnswM
        self.hnswEfConstruction = hnswEfConstruction
        self.hnswEfSearch = hnswEfSearch
        self.checkpointIntervalSeconds = checkpointIntervalSeconds
        self.ttlSweepIntervalSeconds = ttlSweepIntervalSeconds
        self.maxInFlight = maxInFlight
    }

    /// Throws `EngineError(.badRequest)` naming the first invalid parameter.
    public func validate() throws {
        func fail(_ s: String) -> EngineError { EngineError(.badRequest, "invalid engine configuration: \(s)") }
        guard (2...256).contains(hnswM) else { throw fail("hnswM must be in 2...256 (got \(hnswM))") }
        guard (hnswM...4096).contains(hnswEfConstruction) else {
            throw fail("hnswEfConstruction must be in \(hnswM)...4096 (got \(hnswEfConstruction))")
        }
        guard (1...4096).contains(hnswEfSearch) else { throw fail("hnswEfSearch must be in 1...4096 (got \(hnswEfSearch))") }
        guard exactScanThreshold >= 0 else { throw fail("exactScanThreshold must be >= 0") }
        guard (0...1).contains(exactScanSelectivity) else { throw fail("exactScanSelectivity must be in 0...1") }
        guard checkpointIntervalSeconds >= 0, checkpointIntervalSeconds.isFinite else {
            throw fail("checkpointIntervalSeconds must be >= 0")
        }
        guard checkpointEveryEvents >= 0 else { throw fail("checkpointEveryEvents must be >= 0") }
        guard ttlSweepIntervalSeconds >= 0, ttlSweepIntervalSeconds.isFinite else {
            throw fail("ttlSweepIntervalSeconds must be >= 0")
        }
        guard hnswBulkInsertThreshold >= 0 else { throw fail("hnswBulkInsertThreshold must be >= 0 (got \(hnswBulkInsertThreshold))") }
        guard (1...256).contains(hnswBulkInsertThreads) else {
            throw fail("hnswBulkInsertThreads must be in 1...256 (got \(hnswBulkInsertThreads))")
        }
        guard (1...100_000).contains(maxInFlight) else { throw fail("maxInFlight must be in 1...100000 (got \(maxInFlight))") }
        guard (10...200).contains(hybridCandidatePool) else { throw fail("hybridCandidatePool must be in 10...200 (got \(hybridCandidatePool))") }
        if let p = bm25.problem { throw fail(p) }
        if let p = decay.problem { throw fail(p) }
    }
}
