import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One blocking loopback TCP connection for connection-limit tests: send bytes slowly, read a
/// response, and notice when the server closes. Run it off Swift's cooperative pool
/// (`onDispatchThread`), so the server's tasks are never starved by a blocked test.
final class RawConnection {
    let fd: Int32
    private(set) var received: [UInt8] = []
    private(set) var closedByPeer = false

    init(port: Int) throws { fd = try LoopbackClient.connectSocket(port: port) }

    deinit { close(fd) }

    /// Sends `text`; false once the peer has closed (MSG_NOSIGNAL: no SIGPIPE).
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) == $0.count }
    }

    /// Waits up to `seconds` for bytes or the peer's close; returns true if the peer closed.
    /// Bytes that arrive are kept in `received`.
    @discardableResult
    func waitForClose(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var buf = [UInt8](repeating: 0, count: 4096)
        while !closedByPeer {
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { break }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, Int32(max(1, left * 1000)))
            if n <= 0 { continue }
            let r = read(fd, &buf, buf.count)
            if r <= 0 { closedByPeer = true } else { received += buf[0..<r] }
        }
        return closedByPeer
    }

    /// Waits up to `seconds` for one complete response (head + Content-Length body).
    func readResponse(seconds: Double) -> LoopbackClient.Reply? {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            if let sep = LoopbackClient.find(received, Array("\r\n\r\n".utf8), from: 0) {
                let head = String(decoding: received[0..<sep], as: UTF8.self).lowercased()
                let length = head.components(separatedBy: "\r\n").first { $0.hasPrefix("content-length:") }
                    .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                if received.count >= sep + 4 + length {
                    let reply = try? LoopbackClient.parse(Array(received[0..<(sep + 4 + length)]))
                    received.removeFirst(sep + 4 + length)
                    return reply
                }
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 || closedByPeer { return nil }
            waitForClose(seconds: min(left, 0.05))
        }
    }
}

/// Runs blocking socket code on a dispatch thread.
func onDispatchThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { cont in
        DispatchQueue.global().async { cont.resume(with: Result { try body() }) }
    }
}

/// Seconds since `start`.
func elapsed(since start: Date) -> Double { Date().timeIntervalSince(start) }
