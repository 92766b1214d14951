import CoreMetrics
import Prometheus
import Synchronization

/// The metrics of the operations guide (docs/operations.md, "Monitoring"), recorded through
/// apple/swift-metrics (`Counter`, `Timer`, `Gauge`) into a swift-server/swift-prometheus
/// registry, with the names, labels and buckets the guide's alert rules and dashboard use — plus
/// how the database-pool gauges map onto this engine (see docs/configuration.md, "Metrics").
///
/// * `endpoint` is the route *template* (`/memories/{memory_id}`), never the raw path, so ids,
///   agent names and content never become label values; unknown paths are `unmatched`.
/// * `aegis_db_pool_size` = the configured limit of concurrent engine operations
///   (`DATABASE_POOL_SIZE` / `DB_POOL_SIZE`, default 20); `aegis_db_pool_checked_out` = engine
///   operations in flight right now. There is no connection pool: the store is embedded.
/// * Values read from the engine (pool, memory bytes, graph health, checkpoint time, cache
///   counters) are read when `/metrics` is scraped (`render`).
public final class AegisMetrics: Sendable {
    /// Every family the server exports: name → help text and buckets.
    static let families: [String: DescribedPrometheusFactory.Family] = [
        "aegis_http_requests_total": .init(help: "Total HTTP requests"),
        "aegis_http_request_duration_seconds": .init(help: "HTTP request latency in seconds",
                                                     buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]),
        "aegis_memory_operations_total": .init(help: "Memory operations (add, query, delete, vote)"),
        "aegis_memory_operation_duration_seconds": .init(help: "Memory operation latency in seconds",
                                                         buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1]),
        "aegis_embedding_cache_hits_total": .init(help: "Embedding cache hits"),
        "aegis_embedding_cache_misses_total": .init(help: "Embedding cache misses"),
        "aegis_db_pool_size": .init(help: "Limit of concurrent engine operations (DATABASE_POOL_SIZE / DB_POOL_SIZE)"),
        "aegis_db_pool_checked_out": .init(help: "Engine operations in flight"),
        "aegis_memory_bytes": .init(help: "Bytes held in memory by component (docs/operations.md, Memory)"),
        "aegis_index_failed": .init(help: "Projects whose vector index failed (searches fall back to exact scans)"),
        "aegis_ace_votes_total": .init(help: "ACE votes by type"),
        "aegis_graph_healthy": .init(help: "Per project: 1 while its vector graph serves searches, 0 once it failed (exact scans)"),
        "aegis_graph_memories": .init(help: "Per project: memories in its vector space"),
        "aegis_checkpoint_duration_seconds": .init(help: "Wall time of checkpoints (graph encoding and snapshot)",
                                                   buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]),
        "aegis_last_checkpoint_duration_seconds": .init(help: "Wall time of the last checkpoint (0 before the first)"),
        "aegis_recovery_duration_seconds": .init(help: "Wall time of start-up recovery: opening the store, replaying the log, loading or rebuilding graphs"),
        "aegis_mcp_calls_total": .init(help: "MCP tool calls by tool and outcome"),
    ]

    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    let factory: DescribedPrometheusFactory
    let sources: Sources
    /// Last cache counter values seen, so the counters advance by the difference (one scrape at a time).
    private let scrape = Mutex<(hits: Int64, misses: Int64, checkpoints: Int)>((0, 0, 0))

    public struct Sources: Sendable {
        public var cacheHits: @Sendable () -> Double
        public var cacheMisses: @Sendable () -> Double
        public var poolSize: @Sendable () -> Double
        public var poolCheckedOut: @Sendable () -> Double
        /// (component, bytes) for `aegis_memory_bytes` (the engine's `MemoryUsage.components`).
        public var memoryBytes: @Sendable () -> [(String, Int)]
        /// Projects whose vector index failed (`aegis_index_failed`).
        public var failedIndexes: @Sendable () -> Double
        /// (project, memories in its space, graph healthy) for `aegis_graph_healthy` / `aegis_graph_memories`.
        public var graphs: @Sendable () -> [(project: String, memories: Int, healthy: Bool)]
        /// Checkpoints written so far, and the durations of the most recent ones (seconds, oldest
        /// first); new ones are observed into `aegis_checkpoint_duration_seconds` at the next scrape.
        public var checkpointSeconds: @Sendable () -> (total: Int, recent: [Double])
        /// Start-up recovery time (nil: not measured, e.g. a server built in a test).
        public var recoverySeconds: Double?
        public init(cacheHits: @escaping @Sendable () -> Double = { 0 }, cacheMisses: @escaping @Sendable () -> Double = { 0 },
                    poolSize: @escaping @Sendable () -> Double = { 0 }, poolCheckedOut: @escaping @Sendable () -> Double = { 0 },
                    memoryBytes: @escaping @Sendable () -> [(String, Int)] = { [] },
                    failedIndexes: @escaping @Sendable () -> Double = { 0 },
                    graphs: @escaping @Sendable () -> [(project: String, memories: Int, healthy: Bool)] = { [] },
                    checkpointSeconds: @escaping @Sendable () -> (total: Int, recent: [Double]) = { (0, []) },
                    recoverySeconds: Double? = nil) {
            self.cacheHits = cacheHits; self.cacheMisses = cacheMisses
            self.poolSize = poolSize; self.poolCheckedOut = poolCheckedOut
            self.memoryBytes = memoryBytes; self.failedIndexes = failedIndexes
            self.graphs = graphs; self.checkpointSeconds = checkpointSeconds; self.recoverySeconds = recoverySeconds
        }
    }

    public init(sources: Sources) {
        registry = PrometheusCollectorRegistry()
        factory = DescribedPrometheusFactory(registry: registry, families: AegisMetrics.families)
        self.sources = sources
        // Series exported at 0 before their first event (the alert rules divide by them).
        for v in ["helpful", "harmful"] { _ = counter("aegis_ace_votes_total", [("vote_type", v)]) }
        for op in ["add", "query", "delete", "vote"] {
            _ = counter("aegis_memory_operations_total", [("operation", op), ("status", "success")])
            _ = counter("aegis_memory_operations_total", [("operation", op), ("status", "error")])
        }
        _ = counter("aegis_embedding_cache_hits_total", [])
        _ = counter("aegis_embedding_cache_misses_total", [])
        _ = CoreMetrics.Timer(label: "aegis_checkpoint_duration_seconds", dimensions: [], factory: factory)
        if let r = sources.recoverySeconds { gauge("aegis_recovery_duration_seconds", []).record(r) }
    }

    func counter(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        CoreMetrics.Counter(label: name, dimensions: dimensions, factory: factory)
    }

    func gauge(_ name: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        CoreMetrics.Gauge(label: name, dimensions: dimensions, factory: factory)
    }

    /// One HTTP request (`aegis_http_requests_total`, `aegis_http_request_duration_seconds`).
    public func recordRequest(method: String, endpoint: String, status: Int, seconds: Double) {
        counter("aegis_http_requests_total", [("method", method), ("endpoint", endpoint), ("status", String(status))]).increment()
        CoreMetrics.Timer(label: "aegis_http_request_duration_seconds", dimensions: [("method", method), ("endpoint", endpoint)], factory: factory)
            .recordSeconds(seconds)
    }

    /// One memory operation.
    public func recordOperation(_ op: String, seconds: Double, success: Bool) {
        counter("aegis_memory_operations_total", [("operation", op), ("status", success ? "success" : "error")]).increment()
        CoreMetrics.Timer(label: "aegis_memory_operation_duration_seconds", dimensions: [("operation", op)], factory: factory).recordSeconds(seconds)
    }

    /// One ACE vote (`helpful` / `harmful`).
    public func recordVote(_ type: String) {
        counter("aegis_ace_votes_total", [("vote_type", type)]).increment()
    }

    /// One MCP tool call, for an MCP server in this process (`aegis_mcp_calls_total`; absent until the first call).
    public func recordMCPCall(tool: String, success: Bool) {
        counter("aegis_mcp_calls_total", [("tool", tool), ("status", success ? "success" : "error")]).increment()
    }

    /// Reads the engine's values into the registry, then renders the exposition text (format 0.0.4).
    public func render() -> [UInt8] {
        scrape.withLock { last in
            let hits = Int64(sources.cacheHits()), misses = Int64(sources.cacheMisses())
            Self.advance(counter("aegis_embedding_cache_hits_total", []), from: &last.hits, to: hits)
            Self.advance(counter("aegis_embedding_cache_misses_total", []), from: &last.misses, to: misses)
            let (total, recent) = sources.checkpointSeconds()
            let timer = CoreMetrics.Timer(label: "aegis_checkpoint_duration_seconds", dimensions: [], factory: factory)
            for s in recent.suffix(max(0, total - last.checkpoints)) { timer.recordSeconds(s) }
            last.checkpoints = total
            gauge("aegis_last_checkpoint_duration_seconds", []).record(recent.last ?? 0)
        }
        gauge("aegis_db_pool_size", []).record(sources.poolSize())
        gauge("aegis_db_pool_checked_out", []).record(sources.poolCheckedOut())
        for (component, bytes) in sources.memoryBytes() { gauge("aegis_memory_bytes", [("component", component)]).record(bytes) }
        gauge("aegis_index_failed", []).record(sources.failedIndexes())
        for g in sources.graphs() {
            gauge("aegis_graph_healthy", [("project", g.project)]).record(g.healthy ? 1 : 0)
            gauge("aegis_graph_memories", [("project", g.project)]).record(g.memories)
        }
        return registry.emitToBuffer()
    }

    /// Advances a counter to a value read from elsewhere (a counter only goes up; a source that
    /// went back — a restarted cache — starts the series over).
    private static func advance(_ c: CoreMetrics.Counter, from last: inout Int64, to value: Int64) {
        if value < last { c.reset(); last = 0 }
        if value > last { c.increment(by: value - last) }
        last = value
    }
}
