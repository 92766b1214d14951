/// Lets a checkpoint name the LSN its graphs reflect (docs/engine.md, "Checkpoints").
///
/// A commit is *open* from before it reaches the backend until its changes are mirrored into
/// the vector spaces (`enter` … `leave`). A checkpoint `close`s the barrier — commits not yet
/// started wait — until no commit is open; then, holding the spaces' `applying` lock so no
/// mirror can run, it reads the backend's last LSN: every commit up to that LSN is mirrored
/// and none after it. It `reopen`s at once (commits reach the store meanwhile) and encodes the
/// graphs while still holding `applying`. A commit that is durable while the encoding runs
/// waits for it *asynchronously* (`waitWhileEncoding`) before its mirror takes `applying`, so
/// no thread of the cooperative pool blocks for the encoding's duration (on 2 cores two blocked
/// writers would stall every request, queries included); `endEncoding` lets them go.
final class MirrorBarrier: Sendable {
    private struct State {
        var open = 0
        var closed = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var drained: CheckedContinuation<Void, Never>?
        var encoding = false
        var afterEncoding: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Locked(State())

    /// Before a commit starts: waits while a checkpoint drains.
    func enter() async {
        let wait: Bool = state.withLock { s in
            if s.closed { return true }
            s.open += 1
            return false
        }
        guard wait else { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.closed { s.waiting.append(c); return false }
                s.open += 1
                return true
            }
            if now { c.resume() }
        }
    }

    /// After the commit was mirrored (or failed).
    func leave() {
        let wake: CheckedContinuation<Void, Never>? = state.withLock { s in
            s.open -= 1
            guard s.closed, s.open == 0, let d = s.drained else { return nil }
            s.drained = nil
            return d
        }
        wake?.resume()
    }

    /// Stops new commits and returns once none is open. One checkpoint at a time (the caller
    /// serialises them).
    func close() async {
        // `encoding` is set only once drained: a commit already past the store must reach its
        // mirror (and leave) for the drain to end.
        let done: Bool = state.withLock { s in
            s.closed = true
            if s.open == 0 { s.encoding = true }
            return s.open == 0
        }
        guard !done else { return }
        defer { state.withLock { $0.encoding = true } }   // still closed: nobody entered meanwhile
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.open == 0 { return true }
                s.drained = c
                return false
            }
            if now { c.resume() }
        }
    }

    /// Before a durable commit's mirror: returns at once unless a checkpoint is encoding.
    func waitWhileEncoding() async {
        guard state.withLock({ $0.encoding }) else { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.encoding { s.afterEncoding.append(c); return false }
                return true
            }
            if now { c.resume() }
        }
    }

    /// The checkpoint's encoding is over (or failed): mirrors may take `applying` again.
    func endEncoding() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
            s.encoding = false
            defer { s.afterEncoding = [] }
            return s.afterEncoding
        }
        for w in waiters { w.resume() }
    }

    /// Lets waiting and new commits start (each takes its place as it enters).
    func reopen() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
            s.closed = false
            s.open += s.waiting.count
            defer { s.waiting = [] }
            return s.waiting
        }
        for w in waiters { w.resume() }
    }
}
