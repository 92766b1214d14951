import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a real loopback socket (one connection per request,
/// `Connection: close`), decoding Content-Length and chunked bodies. Blocking I/O runs on a
/// global dispatch queue so the server's event loops are never blocked.
struct LoopbackClient: Sendable {
    let port: Int

    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        /// The body parsed with JSONSerialization (for assertions only; never for wire output).
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
        var object: [String: Any] { (json as? [String: Any]) ?? [:] }
    }

    struct ClientError: Error, CustomStringConvertible { var description: String }

    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8]? = nil) async throws -> Reply {
        let port = self.port
        return try await withCheckedThrowingContinuation { cont in
            DispatchQueue.global().async {
                do { cont.resume(returning: try LoopbackClient.exchange(port: port, method, path, headers, body)) } catch {
                    cont.resume(throwing: error)
                }
            }
        }
    }

    func request(_ method: String, _ path: String, key: String? = nil, json: String? = nil,
                 headers extra: [(String, String)] = []) async throws -> Reply {
        var h = extra
        if let key { h.append(("Authorization", "Bearer \(key)")) }
        if json != nil { h.append(("Content-Type", "application/json")) }
        return try await send(method, path, headers: h, body: json.map { Array($0.utf8) })
    }

    /// A blocking TCP socket connected to 127.0.0.1:`port` (the caller closes it).
    static func connectSocket(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket failed") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw ClientError(description: "connect failed: errno \(e)")
        }
        return fd
    }

    static func exchange(port: Int, _ method: String, _ path: String, _ headers: [(String, String)], _ body: [UInt8]?) throws -> Reply {
        let fd = try connectSocket(port: port)
        defer { close(fd) }
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var out = Array(head.utf8)
        if let body { out += body }
        var sent = 0
        while sent < out.count {
            let n = out[sent...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }  // the server may answer (413) and close before reading everything
            sent += n
        }
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            data.append(contentsOf: buf[0..<n])
        }
        return try parse(data)
    }

    static func parse(_ data: [UInt8]) throws -> Reply {
        guard let sep = find(data, Array("\r\n\r\n".utf8), from: 0) else {
            throw ClientError(description: "no HTTP head in \(data.count) bytes")
        }
        let lines = String(decoding: data[0..<sep], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw ClientError(description: "bad status line \(lines[0])") }
        var headers: [(String, String)] = []
        for l in lines.dropFirst() {
            guard let c = l.firstIndex(of: ":") else { continue }
            headers.append((String(l[..<c]), l[l.index(after: c)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Array(data[(sep + 4)...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            var out: [UInt8] = []
            var i = 0
            while let lineEnd = find(body, [13, 10], from: i) {
                let sizeText = String(decoding: body[i..<lineEnd], as: UTF8.self).split(separator: ";")[0]
                guard let size = Int(sizeText, radix: 16) else { break }
                if size == 0 { break }
                out += body[(lineEnd + 2)..<(lineEnd + 2 + size)]
                i = lineEnd + 2 + size + 2
            }
            body = out
        }
        return Reply(status: status, headers: headers, body: body)
    }

    static func find(_ hay: [UInt8], _ needle: [UInt8], from: Int) -> Int? {
        guard hay.count >= needle.count else { return nil }
        var i = from
        while i + needle.count <= hay.count {
            if hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
