import AegisCore
import AegisLog

/// Commits waiting for the writer loop, and its status.
struct WriteQueue {
    struct Pending {
        var events: [StoreEvent]
        var precondition: StorePrecondition?
        var continuation: CheckedContinuation<UInt64, any Error>
    }
    var items: [Pending] = []
    var running = false
    var closing = false
    var failure: AegisError?
    var idleWaiters: [CheckedContinuation<Void, Never>] = []
}

/// A commit's check-then-write condition, run by the single writer right before the commit is
/// logged. `StoreView` holds every earlier write group applied; `pending` holds the events of the
/// commits ahead of this one in its own group (validated, logged in the same append and applied
/// before it), so a check such as dedup must look at both. A throw rejects the commit with that
/// error (rethrown as it is); nothing is written.
public typealias StorePrecondition = @Sendable (StoreView, _ pending: [StoreEvent]) throws -> Void

extension Store {
    /// Validates `events` against the state, appends them to the log as one record (a batch
    /// record when more than one: all-or-nothing), waits until durable per the fsync policy,
    /// applies them and returns the record's LSN. Concurrent commits share one fsync.
    ///
    /// `precondition`, when given, runs in the writer right before the commit is logged
    /// (`StorePrecondition`: check-then-write such as dedup, atomic with the append); a throw
    /// rejects the commit with that error. Throws `AegisError`: `notFound`, `conflict`,
    /// `invalidArgument`, `mismatch` (nothing written); `diskFull` (nothing written, retry later);
    /// `unavailable` (closed or failed: the log turned read-only); `readOnly`.
    @discardableResult
    public func commit(_ events: [StoreEvent], precondition: StorePrecondition? = nil) async throws -> UInt64 {
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
                // Commits with preconditions group too: each sees the events of those ahead of
                // it in the group (`StorePrecondition`).
                let n = min(q.items.count, maxGroup)
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
            var pending: [StoreEvent] = []
            // Only a precondition reads `pending`: collect it up to the last one.
            let last = group.lastIndex { $0.precondition != nil } ?? 0
            for (i, p) in group.enumerated() {
                do {
                    try state.admit(p.events, precondition: p.precondition, pending: pending, overlay: &overlay)
                    records.append(EventCodec.encodeRecord(p.events))
                    accepted.append(p)
                    if i < last { pending += p.events }
                } catch {
                    // Validation throws `AegisError`; a precondition's own error goes back as it is.
                    p.continuation.resume(throwing: error)
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
