/// The nine metrics of the operations guide (plus memory and index-failure gauges), with the labels its alert rules use, plus how
/// the database-pool gauges map onto this engine (see docs/configuration.md, "Metrics").
///
/// * `endpoint` is the route *template* (`/memories/{memory_id}`), never the raw path, so ids,
///   agent names and content never become label values; unknown paths are `unmatched`.
/// * `aegis_db_pool_size` = the configured limit of concurrent engine operations
///   (`DATABASE_POOL_SIZE` / `DB_POOL_SIZE`, default 20); `aegis_db_pool_checked_out` = engine
///   operations in flight right now. There is no connection pool: the store is embedded.
public struct AegisMetrics: Sendable {
    public let registry: MetricsRegistry
    public let httpRequests: MetricsRegistry.Metric
    public let httpDuration: MetricsRegistry.Metric
    public let memoryOps: MetricsRegistry.Metric
    public let memoryOpDuration: MetricsRegistry.Metric
    public let votes: MetricsRegistry.Metric

    public struct Sources: Sendable {
        public var cacheHits: @Sendable () -> Double
        public var cacheMisses: @Sendable () -> Double
        public var poolSize: @Sendable () -> Double
        public var poolCheckedOut: @Sendable () -> Double
        /// (component, bytes) for `aegis_memory_bytes` (the engine's `MemoryUsage.components`).
        public var memoryBytes: @Sendable () -> [(String, Int)]
        /// Projects whose vector index failed (`aegis_index_failed`).
        public var failedIndexes: @Sendable () -> Double
        public init(cacheHits: @escaping @Sendable () -> Double = { 0 }, cacheMisses: @escaping @Sendable () -> Double = { 0 },
                    poolSize: @escaping @Sendable () -> Double = { 0 }, poolCheckedOut: @escaping @Sendable () -> Double = { 0 },
                    memoryBytes: @escaping @Sendable () -> [(String, Int)] = { [] },
                    failedIndexes: @escaping @Sendable () -> Double = { 0 }) {
            self.cacheHits = cacheHits; self.cacheMisses = cacheMisses
            self.poolSize = poolSize; self.poolCheckedOut = poolCheckedOut
            self.memoryBytes = memoryBytes; self.failedIndexes = failedIndexes
        }
    }

    public init(sources: Sources) {
        let r = MetricsRegistry()
        registry = r
        httpRequests = r.counter("aegis_http_requests_total", "Total HTTP requests", labels: ["method", "endpoint", "status"])
        httpDuration = r.histogram("aegis_http_request_duration_seconds", "HTTP request latency in seconds",
                                   labels: ["method", "endpoint"],
                                   buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])
        memoryOps = r.counter("aegis_memory_operations_total", "Memory operations (add, query, delete, vote)",
                              labels: ["operation", "status"])
        memoryOpDuration = r.histogram("aegis_memory_operation_duration_seconds", "Memory operation latency in seconds",
                                       labels: ["operation"],
                                       buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1])
        r.readable("aegis_embedding_cache_hits_total", "Embedding cache hits", kind: .counter, sources.cacheHits)
        r.readable("aegis_embedding_cache_misses_total", "Embedding cache misses", kind: .counter, sources.cacheMisses)
        r.readable("aegis_db_pool_size", "Limit of concurrent engine operations (DATABASE_POOL_SIZE / DB_POOL_SIZE)",
                   kind: .gauge, sources.poolSize)
        r.readable("aegis_db_pool_checked_out", "Engine operations in flight", kind: .gauge, sources.poolCheckedOut)
        r.readable("aegis_memory_bytes", "Bytes held in memory by component (docs/operations.md, Memory)", labels: ["component"]) {
            sources.memoryBytes().map { ([$0.0], Double($0.1)) }
        }
        r.readable("aegis_index_failed", "Projects whose vector index failed (searches fall back to exact scans)",
                   kind: .gauge, sources.failedIndexes)
        votes = r.counter("aegis_ace_votes_total", "ACE votes by type", labels: ["vote_type"])
        votes.touch(["helpful"]); votes.touch(["harmful"])
        for op in ["add", "query", "delete", "vote"] {
            memoryOps.touch([op, "success"]); memoryOps.touch([op, "error"])
        }
    }

    /// Records one memory operation.
    public func recordOperation(_ op: String, seconds: Double, success: Bool) {
        memoryOps.inc([op, success ? "success" : "error"])
        memoryOpDuration.observe(seconds, [op])
    }
}
