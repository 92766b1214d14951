import AegisCore
import Foundation

/// Replays decoded commits on a second thread: the log walker decodes record payloads (the
/// payload views are only valid inside its callback) while this applies the previous batch
/// to the state, so recovery uses both cores. Batches keep commit order.
final class ReplayPipeline: @unchecked Sendable {
    typealias Commit = (lsn: UInt64, timestamp: Int64, events: [StoreEvent])
    static let batchSize = 2048

    private let cond = NSCondition()
    private var queue: [[Commit]] = []
    private var finished = false
    private var applierDone = false
    private var batch: [Commit] = []
    let state: StoreState

    init(state: StoreState) {
        self.state = state
        batch.reserveCapacity(Self.batchSize)
        let t = Thread { [self] in run() }
        t.stackSize = 1 << 20
        t.start()
    }

    /// Queues one commit (blocks while the applier is more than a few batches behind).
    func add(lsn: UInt64, timestamp: Int64, events: [StoreEvent]) {
        batch.append((lsn, timestamp, events))
        if batch.count >= Self.batchSize { flush() }
    }

    /// Applies everything queued and stops the applier; call exactly once, also on errors.
    func finish() {
        flush()
        cond.lock()
        finished = true
        cond.broadcast()
        while !applierDone { cond.wait() }
        cond.unlock()
    }

    private func flush() {
        guard !batch.isEmpty else { return }
        cond.lock()
        while queue.count >= 4 { cond.wait() }
        queue.append(batch)
        cond.broadcast()
        cond.unlock()
        batch = []
        batch.reserveCapacity(Self.batchSize)
    }

    private func run() {
        while true {
            cond.lock()
            while queue.isEmpty && !finished { cond.wait() }
            if queue.isEmpty {
                applierDone = true
                cond.broadcast()
                cond.unlock()
                return
            }
            let b = queue.removeFirst()
            cond.broadcast()
            cond.unlock()
            for c in b { state.apply(c.events, lsn: c.lsn, timestamp: c.timestamp) }
        }
    }
}
