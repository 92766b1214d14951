import AegisCore
import AegisStorage

#if os(Linux)
/// glibc's `malloc_trim` (malloc.h, not in the Glibc module map).
@_silgen_name("malloc_trim") private func glibcMallocTrim(_ pad: Int) -> Int32
#endif

/// The query engine: every behaviour of contract §4–§8 behind one Swift API. Each method
/// takes the `project` (resolved by the caller's auth layer) and, where the caller
/// authenticated with an agent-bound key, `boundAgent`: a request that claims to act as
/// another agent is `.forbidden` (403); reads are confined to what that agent may see.
///
/// Concurrency: any number of concurrent callers. Reads run on a consistent view; the
/// read-check-write sequences of one project (dedup, delta, votes, sessions, features) are
/// serialised; every write returns only after the backend made it durable, and a read issued
/// after a write returned sees it (read-your-writes).
public final class AegisEngine: Sendable {
    let backend: any EngineBackend
    let embedder: any Embedder
    public let configuration: EngineConfiguration
    let spaces: VectorSpaces
    /// The BM25 channel (docs/hybrid-retrieval.md), mirrored after the vector spaces.
    let lexical: LexicalSpaces
    let writeLocks = KeyedLocks()
    let clock: @Sendable () -> Timestamp
    let gauge = InFlightGauge()
    let state = Locked(LifecycleState())
    /// Commits between the backend and the vector spaces (see `MirrorBarrier`).
    let mirrors = MirrorBarrier()
    /// One checkpoint at a time (the barrier serves one drain at a time).
    let checkpoints = AsyncLock()

    struct LifecycleState {
        var closed = false
        var eventsSinceCheckpoint = 0
        var lastCheckpoint: Timestamp?
        /// Checkpoints written by this process, and the wall time of the last 1,000, oldest first.
        var checkpointCount = 0
        var checkpointSeconds: [Double] = []
        var lastSweep: Timestamp?
        var sweptTotal = 0
        var embedderError: String?
        /// Projects whose failed graph was already reported to the background `onError`.
        var reportedIndexFailures: Set<String> = []
    }

    /// Opens an engine on `backend`. Checks the recorded embedding model against `embedder`
    /// (a mismatch is `.unavailable` naming both), loads the vector index from the backend's
    /// checkpoint section when it matches, and indexes every memory the section lacks.
    public init(backend: any EngineBackend, embedder: any Embedder, configuration: EngineConfiguration = .init(),
                clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) async throws {
        try configuration.validate()
        guard embedder.dimension > 0 else { throw EngineError(.badRequest, "embedder dimension must be > 0") }
        if let recorded = backend.embeddingModel() {
            if recorded.name != embedder.modelName || recorded.dimension != embedder.dimension {
                throw EngineError(.unavailable, "embedding model mismatch: the store was built with '\(recorded.name)' (\(recorded.dimension) dimensions) but the engine was started with '\(embedder.modelName)' (\(embedder.dimension) dimensions); start with the original embedder or run `aegis-memory reembed`")
            }
        } else if backend.readOnlyReason() == nil {
            try await backend.recordEmbeddingModel(name: embedder.modelName, dimension: embedder.dimension)
        }
        self.backend = backend
        self.embedder = embedder
        self.configuration = configuration
        self.clock = clock
        self.spaces = VectorSpaces(dimension: embedder.dimension, configuration: configuration)
        try spaces.load(section: backend.loadedIndexSection(), backend: backend)
        self.lexical = LexicalSpaces(parameters: configuration.bm25)
        if configuration.lexicalIndex { lexical.load(backend: backend) }
        // The start-up reconciliation frees large transient tables (the decoded section, the
        // id → slot map, row copies); hand their pages back instead of keeping the peak
        // resident (docs/engine.md, "One copy of each vector").
        #if os(Linux)
        _ = glibcMallocTrim(0)
        #endif
    }

    /// A non-durable engine in process memory (tests, tools, demos).
    public static func inMemory(embedder: any Embedder, configuration: EngineConfiguration = .init(),
                                clock: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) async throws -> AegisEngine {
        try await AegisEngine(backend: InMemoryBackend(), embedder: embedder, configuration: configuration, clock: clock)
    }

    // MARK: - Lifecycle, health, counters

    /// Health for `/health` and `/ready`.
    public struct Health: Sendable, Equatable {
        /// Writes are accepted (store writable, engine open).
        public var writable: Bool
        /// Why not ready (read-only store, closed, embedder failing), nil when ready.
        public var reason: String?
        public var embeddingModel: String
        public var embeddingDimension: Int
        public var inFlight: Int
        public var maxInFlight: Int
        public var projects: Int
        public var indexedMemories: Int
        public var lastCheckpoint: Timestamp?
        public var lastTTLSweep: Timestamp?
        /// Start-up: project graphs loaded from the checkpoint / rebuilt from the tables.
        public var indexesLoadedFromCheckpoint: Int
        public var indexesRebuilt: Int
        /// Saved index data the start-up could not use (each a sentence; the graphs concerned
        /// were rebuilt from the tables). `serve` logs them as warnings.
        public var indexesDiscarded: [String]
        /// Projects whose graph failed (→ why): their searches are exact scans until the graph
        /// is rebuilt. The server stays ready but reports itself degraded (docs/operations.md).
        public var failedIndexes: [String: String] = [:]
        public var ready: Bool { reason == nil }
    }

    public func health() -> Health {
        let s = state.withLock { $0 }
        var reason: String?
        if s.closed { reason = "engine closed" }
        else if let ro = backend.readOnlyReason() { reason = "store is read-only: \(ro)" }
        else if embedder.health.state == .unavailable { reason = "embedding service unavailable: \(embedder.health.reason ?? "unknown")" }
        else if let e = s.embedderError { reason = "embedding service unhealthy: \(e)" }
        let (projects, indexed) = spaces.counts()
        return Health(writable: reason == nil, reason: reason, embeddingModel: embedder.modelName,
                      embeddingDimension: embedder.dimension, inFlight: gauge.current, maxInFlight: configuration.maxInFlight,
                      projects: projects, indexedMemories: indexed, lastCheckpoint: s.lastCheckpoint, lastTTLSweep: s.lastSweep,
                      indexesLoadedFromCheckpoint: spaces.restoredAtStart, indexesRebuilt: spaces.rebuiltAtStart,
                      indexesDiscarded: spaces.discardedAtStart, failedIndexes: spaces.failedIndexes())
    }

    /// Engine operations currently running (the `aegis_db_pool_checked_out` gauge).
    public var inFlightOperations: Int { gauge.current }
    /// Engine operations waiting for a slot (the pool "overflow").
    public var waitingOperations: Int { gauge.waiting }
    /// The configured limit (the `aegis_db_pool_size` gauge).
    public var maxInFlightOperations: Int { configuration.maxInFlight }

    /// Every project's space and graph state (the `aegis_graph_healthy` / `aegis_graph_memories` gauges).
    public func graphHealth() -> [GraphHealth] { spaces.graphHealth() }

    /// Checkpoints this process wrote, and the wall time of the most recent ones (the last 1,000,
    /// oldest first) — `aegis_checkpoint_duration_seconds`.
    public var checkpointDurations: (total: Int, recent: [Double]) { state.withLock { ($0.checkpointCount, $0.checkpointSeconds) } }

    /// Writes a checkpoint now: the backend snapshots its tables with the vector index bytes.
    public func checkpoint() async throws {
        try checkOpen()
        try await writeCheckpoint()
    }

    /// The graphs are encoded at a known LSN (docs/engine.md, "Checkpoints"): commits drain
    /// briefly, then the encoding runs on its own thread while searches go on and new commits
    /// wait only for their mirror.
    private func writeCheckpoint() async throws {
        await checkpoints.lock()
        let started = ContinuousClock.now
        do {
            let events = state.withLock { $0.eventsSinceCheckpoint }
            await mirrors.close()
            let spaces = self.spaces, backend = self.backend, mirrors = self.mirrors
            let (section, lsn) = try await Store.offload {
                spaces.encode(lsn: { backend.committedLSN() }, stable: { mirrors.reopen() })
            }
            mirrors.endEncoding()
            try await backend.checkpoint(indexSection: section, indexLSN: lsn)
            let now = clock()
            let d = started.duration(to: .now)
            let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            state.withLock {
                $0.eventsSinceCheckpoint = max(0, $0.eventsSinceCheckpoint - events); $0.lastCheckpoint = now
                $0.checkpointCount += 1
                $0.checkpointSeconds.append(seconds)
                if $0.checkpointSeconds.count > 1_000 { $0.checkpointSeconds.removeFirst($0.checkpointSeconds.count - 1_000) }
            }
        } catch {
            mirrors.reopen()
            mirrors.endEncoding()
            await checkpoints.unlock()
            throw error
        }
        await checkpoints.unlock()
    }

    /// Stops accepting calls, writes a final checkpoint, closes the backend.
    public func close() async throws {
        let already = state.withLock { s -> Bool in defer { s.closed = true }; return s.closed }
        if already { return }
        // Always close the backend, even when the final checkpoint fails (the log has
        // everything; the next start replays it).
        var firstError: (any Error)?
        if backend.readOnlyReason() == nil {
            do { try await writeCheckpoint() } catch { firstError = error }
        }
        do { try await backend.close() } catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }

    func checkOpen() throws {
        if state.withLock({ $0.closed }) { throw EngineError(.unavailable, "engine is closed") }
    }

    /// Runs one engine operation under the in-flight limit.
    func operation<T>(_ body: () async throws -> T) async throws -> T {
        try checkOpen()
        guard await gauge.enter(limit: configuration.maxInFlight) else {
            throw EngineError(.unavailable, "engine saturated: \(configuration.maxInFlight) operations in flight and \(16 * configuration.maxInFlight) waiting")
        }
        defer { gauge.leave() }
        return try await body()
    }

    /// Commits `events` as one atomic, durable record, `precondition` checked by the backend's
    /// writer atomically with the append (docs/engine.md, "Writes"), then mirrors them into the
    /// vector spaces.
    func commit(_ events: [StoreEvent], precondition: EnginePrecondition? = nil) async throws {
        guard !events.isEmpty else { return }
        if let ro = backend.readOnlyReason() { throw EngineError(.unavailable, "store is read-only: \(ro)") }
        await mirrors.enter()
        defer { mirrors.leave() }
        do {
            try await backend.commit(events, precondition: precondition)
        } catch let e as EngineError {
            throw e
        } catch let e as AegisError {
            throw EngineError(.unavailable, "write failed: \(e)")
        }
        await mirrors.waitWhileEncoding()
        spaces.apply(events, backend: backend)
        if configuration.lexicalIndex { lexical.apply(events, backend: backend) }
        state.withLock { $0.eventsSinceCheckpoint += events.count }
    }

    /// Embeds texts, mapping provider failures to `.unavailable` (503) and checking shape.
    func embed(_ texts: [String]) async throws -> [[Float]] {
        guard !texts.isEmpty else { return [] }
        let vectors: [[Float]]
        do {
            vectors = try await embedder.embed(texts)
        } catch let e as EmbeddingError {
            state.withLock { $0.embedderError = e.description }
            throw EngineError(.unavailable, "embedding service unavailable: \(e.message)")
        } catch {
            state.withLock { $0.embedderError = "\(error)" }
            throw EngineError(.unavailable, "embedding service unavailable: \(error)")
        }
        state.withLock { $0.embedderError = nil }
        guard vectors.count == texts.count, vectors.allSatisfy({ $0.count == embedder.dimension }) else {
            throw EngineError(.unavailable, "embedding service returned \(vectors.count) vectors of unexpected shape (expected \(texts.count) × \(embedder.dimension))")
        }
        for v in vectors where v.contains(where: { !$0.isFinite }) {
            throw EngineError(.unavailable, "embedding service returned a non-finite vector")
        }
        return vectors.map(normalized)
    }

    func now() -> Timestamp { clock() }
}

func normalized(_ v: [Float]) -> [Float] {
    var s: Float = 0
    for x in v { s += x * x }
    guard s > 0 else { return v }
    let inv = 1 / s.squareRoot()
    if abs(s - 1) < 1e-6 { return v }
    return v.map { $0 * inv }
}

/// Counts operations in flight against a limit. Callers over the limit wait in FIFO order
/// (like a connection pool); when `16 × limit` callers already wait, new ones are refused.
final class InFlightGauge: Sendable {
    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Locked(State())
    var current: Int { state.withLock { $0.running } }
    var waiting: Int { state.withLock { $0.waiters.count } }

    /// Returns false when the queue is full (the caller answers 503).
    func enter(limit: Int) async -> Bool {
        enum Decision { case run, wait, refuse }
        let d: Decision = state.withLock { s in
            if s.running < limit { s.running += 1; return .run }
            return s.waiters.count >= 16 * limit ? .refuse : .wait
        }
        switch d {
        case .run: return true
        case .refuse: return false
        case .wait:
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let runNow: Bool = state.withLock { s in
                    if s.running < limit { s.running += 1; return true }
                    s.waiters.append(c); return false
                }
                if runNow { c.resume() }
            }
            return true
        }
    }

    /// Hands the slot to the first waiter, or frees it.
    func leave() {
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            if s.waiters.isEmpty { s.running -= 1; return nil }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
