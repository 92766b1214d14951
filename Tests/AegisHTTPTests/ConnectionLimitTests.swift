import Foundation
import Logging
import Synchronization
import Testing
@testable import AegisHTTP

/// Issue 18: slow or idle connections are cut, and the number of open connections is capped.
/// Real server on 127.0.0.1, raw sockets, short timeouts; every wait is bounded.
@Suite struct ConnectionLimitTests {
    static let request = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

    /// Head timeout 1 s, idle timeout 8 s; four clients at once. The bounds leave room for a loaded
    /// machine while still telling the two timeouts apart.
    @Test func headAndIdleTimeouts() async throws {
        try await withServer(configure: { $0.requestHeadTimeoutSeconds = 1; $0.idleTimeoutSeconds = 8 }) { s in
            let port = s.port
            // A: a new connection dribbling one header line every 250 ms is closed after ~1 s.
            async let dribble = onDispatchThread { () throws -> (closed: Bool, seconds: Double, lines: Int) in
                let c = try RawConnection(port: port)
                let start = Date()
                c.send("GET /health HTTP/1.1\r\n")
                var lines = 0
                while lines < 40, !c.waitForClose(seconds: 0.25) {
                    c.send("X-Slow-\(lines): a\r\n")
                    lines += 1
                }
                return (c.closedByPeer, elapsed(since: start), lines)
            }
            // B: an idle kept-alive connection outlives the head timeout and is closed by the idle one.
            async let idle = onDispatchThread { () throws -> (status: Int?, openAt2s: Bool, closed: Bool, seconds: Double) in
                let c = try RawConnection(port: port)
                c.send(Self.request)
                let r = c.readResponse(seconds: 30)
                let start = Date()
                let closedEarly = c.waitForClose(seconds: 2)
                let closed = closedEarly || c.waitForClose(seconds: 15)
                return (r?.status, !closedEarly, closed, elapsed(since: start))
            }
            // C: on a kept-alive connection the head clock starts with the next request's first bytes.
            async let slowSecond = onDispatchThread { () throws -> (status: Int?, openAt2s: Bool, closed: Bool, seconds: Double) in
                let c = try RawConnection(port: port)
                c.send(Self.request)
                let r = c.readResponse(seconds: 30)
                let openAt2s = !c.waitForClose(seconds: 2)
                c.send("GET /health HTTP/1.1\r\n")
                let start = Date()
                let closed = c.waitForClose(seconds: 10)
                return (r?.status, openAt2s, closed, elapsed(since: start))
            }
            // D: a prompt client is unaffected: three requests on one connection, 0.5 s apart.
            async let prompt = onDispatchThread { () throws -> [Int?] in
                let c = try RawConnection(port: port)
                var statuses: [Int?] = []
                for _ in 0..<3 {
                    c.send(Self.request)
                    statuses.append(c.readResponse(seconds: 30)?.status)
                    c.waitForClose(seconds: 0.5)
                }
                return statuses
            }

            let a = try await dribble
            #expect(a.closed, "dribbling connection still open after \(a.lines) lines")
            #expect(a.seconds >= 0.9 && a.seconds < 5, "dribbling connection closed after \(a.seconds) s")
            let b = try await idle
            #expect(b.status == 200)
            #expect(b.openAt2s, "idle keep-alive connection closed before the idle timeout")
            #expect(b.closed && b.seconds >= 7 && b.seconds < 15, "idle connection closed: \(b.closed) after \(b.seconds) s")
            let c = try await slowSecond
            #expect(c.status == 200 && c.openAt2s)
            #expect(c.closed && c.seconds >= 0.9 && c.seconds < 5, "slow second head: closed \(c.closed) after \(c.seconds) s")
            #expect(try await prompt == [200, 200, 200])
        }
    }

    /// Cap 4: a fifth connection is not served while four are open, and is served as soon as
    /// some close; the server keeps answering afterwards.
    @Test func connectionCap() async throws {
        try await withServer(configure: { $0.maxConnections = 4; $0.requestHeadTimeoutSeconds = 30; $0.idleTimeoutSeconds = 30 }) { s in
            let port = s.port
            let result = try await onDispatchThread { () throws -> (held: [Int?], whileFull: Int?, afterClose: Int?) in
                // Four kept-alive connections, each proven accepted by one answered request.
                var holders: [RawConnection] = []
                var held: [Int?] = []
                for _ in 0..<4 {
                    let c = try RawConnection(port: port)
                    c.send(Self.request)
                    held.append(c.readResponse(seconds: 30)?.status)
                    holders.append(c)
                }
                // The fifth connects (the kernel queues it) but gets no answer while four are open.
                let fifth = try RawConnection(port: port)
                fifth.send(Self.request)
                let whileFull = fifth.readResponse(seconds: 1.5)?.status
                holders.removeLast(2)  // closes two
                let afterClose = fifth.readResponse(seconds: 30)?.status
                return (held, whileFull, afterClose)
            }
            #expect(result.held == [200, 200, 200, 200])
            #expect(result.whileFull == nil, "a connection beyond the cap was served")
            #expect(result.afterClose == 200, "the queued connection was not served after others closed")
            let r = try await s.client.request("GET", "/health")
            #expect(r.status == 200)
        }
    }

    /// The cap logs one warning per burst, not one per connection, even for a tiny cap.
    @Test(arguments: [100, 2])
    func capLogsOncePerBurst(cap: Int) {
        let log = CapturedLog()
        let t0 = ContinuousClock.now
        let clock = Mutex(Duration.zero)
        var limit = ConnectionLimit(maxConnections: cap, logger: Logger(label: "test") { _ in log },
                                    now: { t0 + clock.withLock { $0 } })
        for _ in 0..<cap { limit.connectionOpened() }
        #expect(!limit.isAcceptingNewConnections())
        #expect(log.messages(.warning).count == 1)
        #expect(log.messages(.warning).first?.contains("AEGIS_MAX_CONNECTIONS=\(cap)") == true)
        // Hovering at the cap: one closes, one is accepted, 50 times; then down and up again.
        for _ in 0..<50 { limit.connectionClosed(); #expect(limit.isAcceptingNewConnections()); limit.connectionOpened() }
        for _ in 0..<cap { limit.connectionClosed() }
        #expect(log.messages(.notice).count == 1)  // the burst is over
        for _ in 0..<cap { limit.connectionOpened() }
        #expect(log.messages(.warning).count == 1)  // within the quiet period
        // A minute later the cap is news again, with the count of unreported bursts.
        clock.withLock { $0 = .seconds(61) }
        for _ in 0..<cap { limit.connectionClosed() }
        for _ in 0..<cap { limit.connectionOpened() }
        #expect(log.messages(.warning).count == 2)
        #expect(log.messages(.warning).last?.contains("since the last warning") == true)
    }

    /// The head clock's transitions, without sockets.
    @Test func headClockStates() {
        var c = RequestHeadClock()
        #expect(c.connectionStarted() == .startTimer)
        #expect(c.connectionStarted() == .none)       // handlerAdded and channelActive both call it
        #expect(c.readComplete() == .none)           // partial head: the clock already runs
        #expect(c.read(.head) == .cancelTimer)
        #expect(c.read(.end) == .none)
        #expect(c.readComplete() == .none)           // parts arrived in this read
        #expect(c.readComplete() == .none)           // request open: no clock while it is answered
        c.responseEnded()
        #expect(c.timerFired() == .none)             // a stale timer after the head arrived
        #expect(c.readComplete() == .startTimer)     // first bytes of the next request
        #expect(c.timerFired() == .close)
    }
}

/// A log handler that keeps messages in memory.
final class CapturedLog: LogHandler, @unchecked Sendable {
    private let store = Mutex<[(Logger.Level, String)]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { store.withLock { $0.append((event.level, "\(event.message)")) } }
    func messages(_ level: Logger.Level) -> [String] { store.withLock { $0.filter { $0.0 == level }.map(\.1) } }
}
