import HummingbirdCore
import Logging

/// The cap on open connections (docs/configuration.md, `AEGIS_MAX_CONNECTIONS`). At the cap the
/// server stops accepting: new connections wait in the kernel's listen backlog, holding no
/// descriptor of ours, and are accepted as open ones close (idle ones within the idle or
/// request-head timeout). One accept batch can overshoot the cap by a few connections.
///
/// Hummingbird calls the delegate on the listening channel's event loop. Reaching the cap logs
/// one warning per burst: at most one per `quietPeriod` (the next one says how often the cap was
/// reached in between), and one notice when the count falls back to three quarters of the cap,
/// so a count hovering at the cap never logs per connection.
struct ConnectionLimit: AvailableConnectionsDelegate {
    let maxConnections: Int
    let logger: Logger
    let quietPeriod: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private(set) var open = 0
    /// When the last warning was logged; the burst it opened is over at the notice.
    private var lastWarning: ContinuousClock.Instant? = nil
    private var burstOpen = false
    /// Times the cap was reached since the last warning without logging.
    private var unreported = 0

    init(maxConnections: Int, logger: Logger, quietPeriod: Duration = .seconds(60),
         now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.maxConnections = maxConnections
        self.logger = logger
        self.quietPeriod = quietPeriod
        self.now = now
    }

    mutating func connectionOpened() {
        open += 1
        guard open == maxConnections else { return }
        let t = now()
        if let last = lastWarning, last.duration(to: t) < quietPeriod {
            unreported += 1
            return
        }
        let since = unreported > 0 ? " (reached \(unreported) more time\(unreported == 1 ? "" : "s") since the last warning)" : ""
        logger.warning("connection limit reached: \(open) open connections (AEGIS_MAX_CONNECTIONS=\(maxConnections)); new connections wait in the listen backlog until others close\(since)")
        lastWarning = t
        burstOpen = true
        unreported = 0
    }

    mutating func connectionClosed() {
        open -= 1
        if burstOpen, open <= maxConnections * 3 / 4 {
            burstOpen = false
            let seconds = lastWarning.map { Double($0.duration(to: now()).components.seconds) } ?? 0
            logger.notice("open connections back to \(open) (limit \(maxConnections)), \(Int(seconds)) s after the limit was reached")
        }
    }

    func isAcceptingNewConnections() -> Bool { open < maxConnections }
}
