import Foundation
#if canImport(Glibc)
import Glibc
#endif

// HTTPBench: starts `aegis-memory serve` (hashing embedder, temp data dir, rate limits raised),
// preloads N memories, then measures over loopback with C keep-alive clients:
//   anchor  GET /health            (framework + loopback floor, same run)
//   query   POST /memories/query   p50 / p99
//   add     POST /memories/add     p50 / p99 (unique contents)
//   mixed   80% query / 15% add / 5% vote for T seconds: ops/s, p50 / p99
// Usage: HTTPBench --server PATH [--memories 10000] [--clients 4] [--requests 2000] [--seconds 10]

var args = CommandLine.arguments.dropFirst()
var opts: [String: String] = [:]
while let a = args.popFirst() {
    guard a.hasPrefix("--"), let v = args.popFirst() else { fatalError("usage: HTTPBench --server PATH [--memories N] [--clients C] [--requests R] [--seconds T]") }
    opts[String(a.dropFirst(2))] = v
}
guard let serverPath = opts["server"] else { fatalError("--server PATH is required") }
let memories = Int(opts["memories"] ?? "") ?? 10_000
let clients = Int(opts["clients"] ?? "") ?? 4
let requests = Int(opts["requests"] ?? "") ?? 2_000
let seconds = Double(opts["seconds"] ?? "") ?? 10
let key = "bench-key"

// MARK: server process

func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    close(fd)
    return Int(UInt16(bigEndian: addr.sin_port))
}

let port = freePort()
let dataDir = NSTemporaryDirectory() + "aegis-httpbench-\(getpid())"
let proc = Process()
proc.executableURL = URL(fileURLWithPath: serverPath)
proc.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir]
var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AEGIS_") }
env["AEGIS_EMBEDDER"] = "hash"
env["AEGIS_API_KEY"] = key
env["RATE_LIMIT_PER_MINUTE"] = "1000000000"
env["RATE_LIMIT_PER_HOUR"] = "1000000000"
env["LOG_LEVEL"] = "error"
proc.environment = env
proc.standardOutput = FileHandle.nullDevice
try proc.run()
defer {
    proc.terminate()
    proc.waitUntilExit()
    try? FileManager.default.removeItem(atPath: dataDir)
}

let probe = KeepAliveClient(port: port)
var up = false
for _ in 0..<600 {
    if let (s, _) = try? probe.send("GET", "/ready", key: nil, body: nil), s == 200 { up = true; break }
    usleep(100_000)
}
guard up else { fatalError("server did not start") }

// MARK: workload

struct Rng { var s: UInt64; mutating func next() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s } }
let vocab = ["deploy", "latency", "cache", "vector", "agent", "memory", "timeout", "retry", "schema", "index", "query",
             "vote", "session", "feature", "playbook", "reflection", "policy", "team", "deadline", "config", "token",
             "budget", "cluster", "backup", "restore", "snapshot", "shard", "replica", "queue", "worker", "metric",
             "alert", "trace", "span", "log", "error", "success", "user", "prefers", "dark", "mode", "api", "key"]
func sentence(_ r: inout Rng, words: Int = 10) -> String {
    (0..<words).map { _ in vocab[Int(r.next() % UInt64(vocab.count))] }.joined(separator: " ")
}
func jsonString(_ s: String) -> String { "\"" + s + "\"" }  // vocabulary needs no escaping

var rng = Rng(s: 0x9E3779B97F4A7C15)
let preloadStart = Date()
var ids: [String] = []
for b in 0..<(memories / 100) {
    let items = (0..<100).map { i in #"{"content":"\#(sentence(&rng)) #\#(b * 100 + i)","agent_id":"agent-\#(i % 8)","scope":"global"}"# }
    let (s, body) = try probe.send("POST", "/memories/add_batch", key: key, body: Array(#"{"items":[\#(items.joined(separator: ","))]}"#.utf8))
    guard s == 200 else { fatalError("preload failed: \(s) \(String(decoding: body, as: UTF8.self))") }
    let text = String(decoding: body, as: UTF8.self)
    var rest = Substring(text)
    while let r = rest.range(of: #"{"id":""#) {
        let start = r.upperBound
        ids.append(String(rest[start..<rest.index(start, offsetBy: 32)]))
        rest = rest[rest.index(start, offsetBy: 32)...]
    }
}
let preloadSeconds = Date().timeIntervalSince(preloadStart)

final class Stats: @unchecked Sendable {
    var lat: [String: [Double]] = [:]
    var errors = 0
    var ops = 0
    let lock = NSLock()
    func merge(_ l: [String: [Double]], _ e: Int, _ o: Int) {
        lock.lock(); defer { lock.unlock() }
        for (k, v) in l { lat[k, default: []] += v }
        errors += e; ops += o
    }
}

/// Runs `clients` threads; each calls `body(clientIndex, client, rng)` until it returns false.
func runPhase(_ body: @escaping @Sendable (Int, KeepAliveClient, inout Rng, inout [String: [Double]], inout Int) -> Bool) -> (Stats, Double) {
    let stats = Stats()
    let group = DispatchGroup()
    let start = Date()
    for c in 0..<clients {
        group.enter()
        Thread.detachNewThread {
            let client = KeepAliveClient(port: port)
            var r = Rng(s: 0xABCDEF ^ UInt64(c + 1) &* 0x9E3779B97F4A7C15)
            var lat: [String: [Double]] = [:]
            var errors = 0
            var ops = 0
            while body(c, client, &r, &lat, &errors) { ops += 1 }
            stats.merge(lat, errors, ops)
            group.leave()
        }
    }
    group.wait()
    return (stats, Date().timeIntervalSince(start))
}

func timed(_ client: KeepAliveClient, _ method: String, _ path: String, _ body: String?, _ op: String,
           _ lat: inout [String: [Double]], _ errors: inout Int, expect: Int = 200) {
    let t0 = DispatchTime.now().uptimeNanoseconds
    let res = try? client.send(method, path, key: key, body: body.map { Array($0.utf8) })
    let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6
    if res?.0 != expect { errors += 1 }
    lat[op, default: []].append(dt)
    // The engine's own time for queries (`query_time_ms` in the body) separates HTTP overhead.
    if op == "query", let body = res?.1, let r = String(decoding: body.suffix(40), as: UTF8.self).range(of: "\"query_time_ms\":") {
        let text = String(decoding: body.suffix(40), as: UTF8.self)[r.upperBound...].prefix { $0 != "}" }
        if let v = Double(text) { lat["engine", default: []].append(v) }
    }
}

func pct(_ v: [Double], _ p: Double) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted()
    return s[min(s.count - 1, Int((Double(s.count) * p).rounded(.down)))]
}
func f(_ x: Double) -> String { String(format: "%.3f", x) }

let idsSnapshot = ids
let perClient = requests / clients
let counter = NSLock()
nonisolated(unsafe) var addSerial = 0

let (anchor, _) = runPhase { _, cl, _, lat, err in
    if lat["health", default: []].count >= perClient { return false }
    timed(cl, "GET", "/health", nil, "health", &lat, &err); return true
}
let (query, queryWall) = runPhase { _, cl, r, lat, err in
    if lat["query", default: []].count >= perClient { return false }
    timed(cl, "POST", "/memories/query", #"{"query":"\#(sentence(&r, words: 4))","top_k":10}"#, "query", &lat, &err); return true
}
let (add, addWall) = runPhase { c, cl, r, lat, err in
    if lat["add", default: []].count >= perClient / 4 { return false }
    counter.lock(); addSerial += 1; let n = addSerial; counter.unlock()
    timed(cl, "POST", "/memories/add", #"{"content":"\#(sentence(&r)) add-\#(n)","agent_id":"agent-\#(c)"}"#, "add", &lat, &err); return true
}
let deadline = Date().addingTimeInterval(seconds)
let (mixed, mixedWall) = runPhase { c, cl, r, lat, err in
    if Date() >= deadline { return false }
    let roll = r.next() % 100
    if roll < 80 {
        timed(cl, "POST", "/memories/query", #"{"query":"\#(sentence(&r, words: 4))","top_k":10}"#, "query", &lat, &err)
    } else if roll < 95 {
        counter.lock(); addSerial += 1; let n = addSerial; counter.unlock()
        timed(cl, "POST", "/memories/add", #"{"content":"\#(sentence(&r)) mixed-\#(n)","agent_id":"agent-\#(c)"}"#, "add", &lat, &err)
    } else {
        let id = idsSnapshot[Int(r.next() % UInt64(idsSnapshot.count))]
        timed(cl, "POST", "/memories/ace/vote/\(id)", #"{"vote":"helpful","voter_agent_id":"agent-\#(c)"}"#, "vote", &lat, &err)
    }
    return true
}

let h50 = pct(anchor.lat["health"] ?? [], 0.5)
let eng = query.lat["engine"] ?? []
let q = query.lat["query"] ?? [], a = add.lat["add"] ?? []
print("HTTPBench: \(memories) memories preloaded in \(f(preloadSeconds)) s, \(clients) clients, loopback, hashing embedder")
print("anchor  GET /health       p50 \(f(h50)) ms  p99 \(f(pct(anchor.lat["health"] ?? [], 0.99))) ms  errors \(anchor.errors)")
print("query   POST /query       p50 \(f(pct(q, 0.5))) ms  p99 \(f(pct(q, 0.99))) ms  \(Int(Double(q.count) / queryWall)) req/s  errors \(query.errors)  (p50 = \(f(pct(q, 0.5) / h50))x health)")
print("add     POST /add         p50 \(f(pct(a, 0.5))) ms  p99 \(f(pct(a, 0.99))) ms  \(Int(Double(a.count) / addWall)) req/s  errors \(add.errors)  (p50 = \(f(pct(a, 0.5) / h50))x health)")
print("        engine query_time_ms p50 \(f(pct(eng, 0.5))) ms  p99 \(f(pct(eng, 0.99))) ms (HTTP + client share of p50: \(f(pct(q, 0.5) - pct(eng, 0.5))) ms)")
let all = mixed.lat.filter { $0.key != "engine" }.values.flatMap { $0 }
print("mixed   80/15/5           \(Int(Double(mixed.ops) / mixedWall)) ops/s over \(f(mixedWall)) s  p50 \(f(pct(all, 0.5))) ms  p99 \(f(pct(all, 0.99))) ms  errors \(mixed.errors)")
for op in ["query", "add", "vote"] {
    let v = mixed.lat[op] ?? []
    print("        \(op.padding(toLength: 6, withPad: " ", startingAt: 0))            n \(v.count)  p50 \(f(pct(v, 0.5))) ms  p99 \(f(pct(v, 0.99))) ms")
}
