import AegisCore

/// Non-durable store tables in process memory: the same `StoreState` the durable `Store` runs —
/// the same validation (`StoreState.admit`) and the same `StoreState.apply` — without a log,
/// snapshots or files. For tests and tools that need no persistence (the engine's
/// `InMemoryBackend`); its semantics are the durable store's by construction.
public final class InMemoryStore: @unchecked Sendable {
    let lock = RWLock()
    let state = StoreState()

    public init() {}

    /// Runs `body` with a consistent view of the tables (as `Store.read`).
    public func read<T>(_ body: (StoreView) throws -> T) rethrows -> T {
        try lock.withReadLock { try body(StoreView(state: state)) }
    }

    /// Checks `precondition` and validates `events` against the tables, then applies them, all
    /// under the write lock (as `Store.commit`, with no earlier commit pending: `pending` is
    /// always empty). Returns the commit's sequence number. Throws what `Store.commit` throws
    /// for invalid events (`notFound`, `conflict`, `invalidArgument`, `mismatch`) or the
    /// precondition's error; nothing is applied then.
    @discardableResult
    public func commit(_ events: [StoreEvent], precondition: StorePrecondition? = nil) throws -> UInt64 {
        try lock.withWriteLock {
            var overlay = PendingOverlay()
            try state.admit(events, precondition: precondition, pending: [], overlay: &overlay)
            let lsn = state.lastLSN + 1
            state.apply(events, lsn: lsn, timestamp: Timestamp.now().microseconds)
            return lsn
        }
    }
}
