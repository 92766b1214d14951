import AegisCore
import Foundation

/// Replays decoded commits on a second thread: the log walker decodes record payloads (the
/// payload views are only valid inside its callback) while this applies the previous batch
/// to the state, so recovery uses both cores. Batches keep commit order.
///
/// Events are decoded straight into a batch's flat event array (no array per commit), and
/// applied batches go back to a free list with their capacity kept (the decoding thread
/// clears them), so a steady replay allocates nothing per record besides the events' own
/// strings.
final class ReplayPipeline: @unchecked Sendable {
    static let batchSize = 2048

    /// Commits `commits[i]` own `events[(i == 0 ? 0 : commits[i-1].end)..<commits[i].end]`.
    struct Batch: EventSink {
        var events: [StoreEvent] = []
        /// `keys[i]`: the target memory id of `events[i]` (votes, puts) with its hash, computed
        /// on the decoding thread so the applier hashes no id.
        var keys: [IdKey?] = []
        /// Votes taken out of `events` on the decoding thread: `voteIndex[i]` is the position of
        /// `events[i]`'s vote in `votes`, or -1. The applier moves each vote out of `votes`
        /// into the project's table (a plain struct move; no retain or release anywhere).
        var voteIndex: [Int32] = []
        var votes: [Vote] = []
        var commits: [(lsn: UInt64, timestamp: Int64, end: Int)] = []
        init() {
            events.reserveCapacity(ReplayPipeline.batchSize)
            keys.reserveCapacity(ReplayPipeline.batchSize)
            voteIndex.reserveCapacity(ReplayPipeline.batchSize)
            votes.reserveCapacity(ReplayPipeline.batchSize)
            commits.reserveCapacity(ReplayPipeline.batchSize)
        }
        mutating func reserve(_ n: Int) {}
        mutating func append(_ e: StoreEvent) {
            keys.append(ReplayPipeline.key(of: e))
            voteIndex.append(-1)
            events.append(e)
        }
        mutating func appendVote(_ v: Vote) {
            keys.append(IdKey(v.memoryId))
            voteIndex.append(Int32(votes.count))
            votes.append(v)
            events.append(ReplayPipeline.placeholder)
        }
        /// Drops everything from the given counts on (a commit that failed to decode).
        mutating func truncate(events e: Int, votes v: Int) {
            events.removeSubrange(e...)
            keys.removeSubrange(e...)
            voteIndex.removeSubrange(e...)
            votes.removeSubrange(v...)
        }
    }

    private let cond = NSCondition()
    private var queue: [Batch] = []
    private var spare: [Batch] = []
    private var finished = false
    private var applierDone = false
    private var batch = Batch()
    let state: StoreState

    init(state: StoreState) {
        self.state = state
        let t = Thread { [self] in run() }
        t.stackSize = 1 << 20
        t.start()
    }

    /// Queues one commit (blocks while the applier is more than a few batches behind).
    func add(lsn: UInt64, timestamp: Int64, events: [StoreEvent]) {
        for e in events {
            if case .vote(let v) = e { batch.appendVote(v) } else { batch.append(e) }
        }
        commit(lsn: lsn, timestamp: timestamp)
    }

    /// Queues one commit whose events `decode` appends to the given array. When it throws,
    /// nothing of this commit is queued.
    func add(lsn: UInt64, timestamp: Int64, decode: (inout Batch) throws -> Void) rethrows {
        let start = batch.events.count, votesStart = batch.votes.count
        do {
            try decode(&batch)
        } catch {
            batch.truncate(events: start, votes: votesStart)
            throw error
        }
        commit(lsn: lsn, timestamp: timestamp)
    }

    private func commit(lsn: UInt64, timestamp: Int64) {
        batch.commits.append((lsn, timestamp, batch.events.count))
        if batch.commits.count >= Self.batchSize || batch.events.count >= 4 * Self.batchSize { flush() }
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
        guard !batch.commits.isEmpty else { return }
        cond.lock()
        while queue.count >= 4 { cond.wait() }
        queue.append(batch)
        batch = spare.popLast() ?? Batch()
        cond.broadcast()
        cond.unlock()
        // The applier hands batches back uncleared: destroying the applied events (releasing
        // their strings) happens here, on the decoding thread, which has less to do.
        batch.events.removeAll(keepingCapacity: true)
        batch.keys.removeAll(keepingCapacity: true)
        batch.voteIndex.removeAll(keepingCapacity: true)
        batch.votes.removeAll(keepingCapacity: true)
        batch.commits.removeAll(keepingCapacity: true)
    }

    /// Trivial values (no heap references) left behind where something was moved out.
    static var placeholder: StoreEvent { .memoryDelete(projectId: "", id: "") }
    static var placeholderVote: Vote {
        Vote(id: "", memoryId: "", projectId: "", voterAgentId: "", vote: .helpful, createdAt: Timestamp(microseconds: 0))
    }

    /// What `Batch.keys` holds for `e`.
    @inline(__always) static func key(of e: StoreEvent) -> IdKey? {
        switch e {
        case .vote(let v): IdKey(v.memoryId)
        case .memoryPut(let m): IdKey(m.id)
        default: nil
        }
    }

    private func run() {
        var trace = OpenTrace()
        while true {
            cond.lock()
            while queue.isEmpty && !finished { cond.wait() }
            if queue.isEmpty {
                trace.mark("replay apply thread")
                applierDone = true
                cond.broadcast()
                cond.unlock()
                return
            }
            var b = queue.removeFirst()
            cond.broadcast()
            cond.unlock()
            let state = state
            let placeholderVote = Self.placeholderVote
            b.events.withUnsafeMutableBufferPointer { events in
                b.votes.withUnsafeMutableBufferPointer { votes in
                    guard let base = events.baseAddress else { return }
                    let votesBase = votes.baseAddress
                    var start = 0
                    for c in b.commits {
                        for i in start..<c.end {
                            let applied: Bool
                            let vi = b.voteIndex[i]
                            if vi >= 0, let votesBase {
                                // Move the vote out (its strings change owner without a retain
                                // here and a release on the decoding thread) and leave a
                                // trivial placeholder for the decoding thread to clear.
                                let v = (votesBase + Int(vi)).move()
                                (votesBase + Int(vi)).initialize(to: placeholderVote)
                                applied = state.applyVote(v, key: b.keys[i]!)
                            } else {
                                let e = (base + i).move()
                                (base + i).initialize(to: Self.placeholder)
                                applied = state.applyReplayed(e, key: b.keys[i])
                            }
                            if !applied { state.skippedEvents += 1 }
                        }
                        state.lastLSN = c.lsn
                        state.lastTimestamp = c.timestamp
                        start = c.end
                    }
                }
            }
            cond.lock()
            if spare.count < 2 { spare.append(b) }
            cond.unlock()
        }
    }
}
