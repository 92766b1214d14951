/// Lets a checkpoint name the LSN its graphs reflect (docs/engine.md, "Checkpoints").
///
/// A commit is *open* from before it reaches the backend until its changes are mirrored into
/// the vector spaces (`enter` … `leave`). A checkpoint `close`s the barrier — commits not yet
/// started wait — until no commit is open; then, holding the spaces' `applying` lock so no
/// mirror can run, it reads the backend's last LSN: every commit up to that LSN is mirrored
/// and none after it. It `reopen`s at once (writers wait only for the drain, not for the
/// encoding) and encodes the graphs while still holding `applying`.
final class MirrorBarrier: Sendable {
    private struct State {
        var open = 0
        var closed = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var drained: CheckedContinuation<Void, Never>?
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
        let done: Bool = state.withLock { s in
            s.closed = true
            return s.open == 0
        }
        guard !done else { return }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = state.withLock { s in
                if s.open == 0 { return true }
                s.drained = c
                return false
            }
            if now { c.resume() }
        }
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
