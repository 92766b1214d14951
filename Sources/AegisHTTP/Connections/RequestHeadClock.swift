/// When a connection must have delivered a complete request head (docs/configuration.md,
/// `AEGIS_REQUEST_HEAD_TIMEOUT_SECONDS`). Pure state: `RequestHeadGuard` feeds it the channel's
/// events and carries out the returned actions.
///
/// The clock runs from the moment the connection is accepted until the first request head is
/// decoded, and on a kept-alive connection from the first bytes of the next request until its
/// head is decoded. Between requests the connection is idle, which Hummingbird's idle timeout
/// (`AEGIS_IDLE_TIMEOUT_SECONDS`) bounds; while a request is read or answered, no head clock runs.
struct RequestHeadClock: Sendable, Equatable {
    enum Action: Equatable { case none, startTimer, cancelTimer, close }
    enum Part: Equatable { case head, body, end }

    /// True while the timer runs (a head is due).
    private(set) var waitingForHead = false
    /// Request heads read whose response has not ended yet.
    private(set) var openRequests = 0
    /// A head was read and its `end` not yet.
    private var readingRequest = false
    /// Some decoded part arrived during the current socket read.
    private var partsThisRead = false

    init() {}

    /// The connection is accepted (called once it is active).
    mutating func connectionStarted() -> Action {
        guard !waitingForHead, openRequests == 0, !readingRequest else { return .none }
        waitingForHead = true
        return .startTimer
    }

    /// A decoded request part.
    mutating func read(_ part: Part) -> Action {
        partsThisRead = true
        switch part {
        case .head:
            openRequests += 1
            readingRequest = true
            if waitingForHead { waitingForHead = false; return .cancelTimer }
        case .body:
            break
        case .end:
            readingRequest = false
        }
        return .none
    }

    /// The end of one socket read. Bytes that produced no decoded part on an idle connection
    /// are the start of the next request's head: the clock starts.
    mutating func readComplete() -> Action {
        defer { partsThisRead = false }
        guard !partsThisRead, !waitingForHead, openRequests == 0, !readingRequest else { return .none }
        waitingForHead = true
        return .startTimer
    }

    /// The last part of a response was written.
    mutating func responseEnded() {
        if openRequests > 0 { openRequests -= 1 }
    }

    /// The timer fired: close unless the head arrived meanwhile.
    mutating func timerFired() -> Action {
        guard waitingForHead else { return .none }
        waitingForHead = false
        return .close
    }
}
