import AegisCore
import AegisLog

/// Commits waiting for the writer loop, and its status.
struct WriteQueue {
    struct Pending {
        var events: [StoreEvent]
        var precondition: (@Sendable (StoreView) throws -> Void)?
        var continuation: CheckedContinuation<UInt64, any Error>
    }
    var items: [Pending] = []
    var running = false
    var closing = false
    var failure: AegisError?
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
}

extension Store {
    /// Validates `events` against the state, appends them to the log as one record (a batch
    /// record when more than one: all-or-nothing), waits until durable per the fsync policy,
    /// applies them and returns the record's LSN. Concurrent commits share one fsync.
    ///
    /// `precondition`, when given, runs against the state right before the commit is logged,
    /// with every earlier commit applied (use it for check-then-write such as dedup); a throw
    /// rejects the commit with that error. Throws `AegisError`: `notFound`, `conflict`,
    /// `invalidArgument`, `mismatch` (nothing written); `diskFull` (nothing written, retry later);
    /// `unavailable` (closed or failed: the log turned read-only); `readOnly`.
    @discardableResult
    public func commit(_ events: [StoreEvent], precondition: (@Sendable (StoreView) throws -> Void)? = nil) async throws -> UInt64 {
        guard !isReadOnly, wal != nil else { throw AegisError(.readOnly, "store \(directory) is open read-only") }
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<UInt64, any Error>) in
            let start: Bool = queue.withLock { q in
                if let f = q.failure {
                    c.resume(throwing: AegisError(.unavailable, "store refuses writes after a failure: \(f.message)", location: f.location))
                    return false
                }
                if q.closing {
                    c.resume(throwing: AegisError.unavailable("store is closed"))
                    return false
                }
                q.items.append(.init(events: events, precondition: precondition, continuation: c))
                if q.running { return false }
                q.running = true
                return true
            }
            if start { Task.detached { await self.drain() } }
        }
    }

    /// The writer loop: one group at a time — validate, append (one fsync), apply, acknowledge.
    func drain() async {
        let maxGroup = options.maxGroupCommits
        while true {
            let group: [WriteQueue.Pending]? = queue.withLock { q in
                guard !q.items.isEmpty else {
                    q.running = false
                    let w = q.idleWaiters
                    q.idleWaiters = []
                    for c in w { c.resume() }
                    return nil
                }
                // A commit with a precondition must see every earlier commit applied: it only
                // ever starts a group.
                var n = 1
                while n < q.items.count, n < maxGroup, q.items[n].precondition == nil { n += 1 }
                let g = Array(q.items.prefix(n))
                q.items.removeFirst(n)
                return g
            }
            guard let group else { return }
            await write(group)
        }
    }

    private func write(_ group: [WriteQueue.Pending]) async {
        var accepted: [WriteQueue.Pending] = []
        var records: [(type: UInt8, payload: [UInt8])] = []
        lock.withReadLock {
            var overlay = PendingOverlay()
            let view = StoreView(state: state)
            for p in group {
                do {
                    if let pre = p.precondition { try pre(view) }
                    try state.validate(p.events, overlay: &overlay)
                    let r = EventCodec.encodeRecord(p.events)
                    records.append(r)
                    accepted.append(p)
                } catch {
                    p.continuation.resume(throwing: Store.map(error))
                }
            }
        }
        guard !accepted.isEmpty, let wal else { return }
        do {
            let written = try await wal.append(batch: records)
            lock.withWriteLock {
                for (p, rec) in zip(accepted, written) { state.apply(p.events, lsn: rec.lsn, timestamp: rec.timestamp) }
            }
            for (p, rec) in zip(accepted, written) { p.continuation.resume(returning: rec.lsn) }
        } catch {
            let e = Store.map(error)
            if e.code != .diskFull && e.code != .invalidArgument {
                // The log is read-only now: refuse everything that follows.
                let waiting: [WriteQueue.Pending] = queue.withLock { q in
                    if q.failure == nil { q.failure = e }
                    let w = q.items
                    q.items = []
                    return w
                }
                for p in waiting { p.continuation.resume(throwing: AegisError(.unavailable, "store refuses writes after a failure: \(e.message)", location: e.location)) }
            }
            for p in accepted { p.continuation.resume(throwing: e) }
        }
    }

    /// Returns once no commit is queued or being written.
    func waitForIdle() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let idle = queue.withLock { q -> Bool in
                if !q.running && q.items.isEmpty { return true }
                q.idleWaiters.append(c)
                return false
            }
            if idle { c.resume() }
        }
    }
}
