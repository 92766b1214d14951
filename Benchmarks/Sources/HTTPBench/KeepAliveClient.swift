import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 keep-alive client for one loopback connection (one per load thread).
/// Reads Content-Length bodies only (every benchmarked route answers with one).
final class KeepAliveClient {
    let port: Int
    private var fd: Int32 = -1
    private var buf = [UInt8](repeating: 0, count: 1 << 16)
    private var pending: [UInt8] = []

    init(port: Int) { self.port = port }
    deinit { if fd >= 0 { close(fd) } }

    struct BenchError: Error, CustomStringConvertible { var description: String }

    private func connectIfNeeded() throws {
        if fd >= 0 { return }
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc != 0 { close(fd); fd = -1; throw BenchError(description: "connect failed errno \(errno)") }
        pending.removeAll()
    }

    /// Sends one request and returns (status, body).
    func send(_ method: String, _ path: String, key: String?, body: [UInt8]?) throws -> (Int, [UInt8]) {
        try connectIfNeeded()
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if let key { head += "Authorization: Bearer \(key)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        if path == "/mcp" { head += "Accept: application/json\r\n" }  // MCP streamable HTTP (docs/mcp.md)
        head += "\r\n"
        var out = Array(head.utf8)
        if let body { out += body }
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { close(fd); fd = -1; throw BenchError(description: "write failed") }
            sent += n
        }
        // Head
        var headEnd: Int? = nil
        while headEnd == nil {
            headEnd = find(pending, [13, 10, 13, 10])
            if headEnd == nil { try fill() }
        }
        let headText = String(decoding: pending[0..<headEnd!], as: UTF8.self)
        let lines = headText.split(separator: "\r\n")
        let status = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        var length = 0
        var closeAfter = false
        for l in lines.dropFirst() {
            let lower = l.lowercased()
            if lower.hasPrefix("content-length:") { length = Int(lower.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0 }
            if lower.hasPrefix("connection:") && lower.contains("close") { closeAfter = true }
        }
        pending.removeFirst(headEnd! + 4)
        while pending.count < length { try fill() }
        let resp = Array(pending[0..<length])
        pending.removeFirst(length)
        if closeAfter { close(fd); fd = -1 }
        return (status, resp)
    }

    private func fill() throws {
        let n = read(fd, &buf, buf.count)
        if n <= 0 { close(fd); fd = -1; throw BenchError(description: "connection closed") }
        pending.append(contentsOf: buf[0..<n])
    }

    private func find(_ hay: [UInt8], _ needle: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && hay[i + 1] == needle[1] && hay[i + 2] == needle[2] && hay[i + 3] == needle[3] {
            return i
        }
        return nil
    }
}
