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
//                  [--phases health,query,add,mixed] [--perf-stat 1] [--perf-record FILE [--perf-phase query|add|mixed]] [--data-dir DIR] [--http-threads N] [--mix Q,A]
//                  [--rss 1]   (server VmRSS / RssAnon from /proc/PID/status once ready and after the mixed phase)
// Every phase also reports the CPU time the server process and this client process used per
// operation (both run on the same cores). --perf-stat counts the server's fdatasync calls
// during the mixed phase (Linux `perf`, root); --perf-record samples the server's stacks then.

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
let phases = Set((opts["phases"] ?? "health,query,add,mixed").split(separator: ",").map(String.init))
let perfStat = opts["perf-stat"] == "1"
let perfRecord = opts["perf-record"]
let perfPhase = opts["perf-phase"] ?? "mixed"

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
// --data-dir keeps the store afterwards (e.g. for `aegis-memory explain`); default: a temp dir.
let keepData = opts["data-dir"] != nil
let dataDir = opts["data-dir"] ?? NSTemporaryDirectory() + "aegis-httpbench-\(getpid())"
let proc = Process()
proc.executableURL = URL(fileURLWithPath: serverPath)
proc.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--data-dir", dataDir]
var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("AEGIS_") }
env["AEGIS_EMBEDDER"] = "hash"
env["AEGIS_API_KEY"] = key
env["RATE_LIMIT_PER_MINUTE"] = "1000000000"
env["RATE_LIMIT_PER_HOUR"] = "1000000000"
env["LOG_LEVEL"] = "error"
if let t = opts["http-threads"] { env["AEGIS_HTTP_THREADS"] = t }   // NIO event-loop threads (0 = per core)
proc.environment = env
proc.standardOutput = FileHandle.nullDevice
try proc.run()
defer {
    proc.terminate()
    proc.waitUntilExit()
    if !keepData { try? FileManager.default.removeItem(atPath: dataDir) }
}

let probe = KeepAliveClient(port: port)
var up = false
for _ in 0..<600 {
    if let (s, _) = try? probe.send("GET", "/ready", key: nil, body: nil), s == 200 { up = true; break }
    usleep(100_000)
}
guard up else { fatalError("server did not start") }

/// `rss <label> VmRSS <kB> kB RssAnon <kB> kB` of the server (Linux /proc), printed with `--rss 1`.
func serverRSS(_ label: String) -> String {
    let status = (try? String(contentsOfFile: "/proc/\(proc.processIdentifier)/status", encoding: .utf8)) ?? ""
    func kB(_ field: String) -> String {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }) else { return "?" }
        return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.map(String.init) ?? "?"
    }
    return "rss     \(label.padding(toLength: 17, withPad: " ", startingAt: 0))VmRSS \(kB("VmRSS")) kB RssAnon \(kB("RssAnon")) kB"
}
let rssAtStart = serverRSS("ready")

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

/// CPU seconds (user + system) of the server process and of this client process.
func cpuSeconds() -> (server: Double, client: Double) {
    var server = 0.0
    if let stat = try? String(contentsOfFile: "/proc/\(proc.processIdentifier)/stat", encoding: .utf8),
       let close = stat.lastIndex(of: ")") {
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3); utime and stime are fields 14 and 15.
        if fields.count > 13, let u = Double(fields[11]), let k = Double(fields[12]) { server = (u + k) / Double(sysconf(Int32(_SC_CLK_TCK))) }
    }
    var ru = rusage()
    getrusage(RUSAGE_SELF.rawValue, &ru)
    let client = Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6 + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
    return (server, client)
}

/// Runs `phase` and reports the CPU both processes spent on it, per operation.
func withCPU<T>(_ name: String, _ phase: () -> (Stats, T)) -> (Stats, T) {
    let before = cpuSeconds()
    let r = phase()
    let after = cpuSeconds()
    let n = max(1, r.0.ops)
    cpuLines.append("cpu     \(name.padding(toLength: 8, withPad: " ", startingAt: 0))          server \(f((after.server - before.server) * 1000 / Double(n))) ms/op  client \(f((after.client - before.client) * 1000 / Double(n))) ms/op  (server \(f(after.server - before.server)) s, client \(f(after.client - before.client)) s)")
    return r
}
nonisolated(unsafe) var cpuLines: [String] = []

/// Starts `perf` attached to the server; returns the process (stopped with SIGINT).
func startPerf(_ arguments: [String]) -> Process? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/perf")
    p.arguments = arguments + ["-p", String(proc.processIdentifier)]
    let pipe = Pipe()
    p.standardError = pipe
    p.standardOutput = FileHandle.nullDevice
    do { try p.run() } catch { print("perf not available: \(error)"); return nil }
    usleep(300_000)
    return p
}

func stopPerf(_ p: Process?) -> String {
    guard let p else { return "" }
    kill(p.processIdentifier, SIGINT)
    let data = (p.standardError as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
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

let none = (Stats(), 1.0)
let (anchor, _) = !phases.contains("health") ? none : withCPU("health") { runPhase { _, cl, _, lat, err in
    if lat["health", default: []].count >= perClient { return false }
    timed(cl, "GET", "/health", nil, "health", &lat, &err); return true
} }
let queryRecord = perfPhase == "query" ? perfRecord.flatMap { phases.contains("query") ? startPerf(["record", "-F", "499", "-g", "-o", $0]) : nil } : nil
let (query, queryWall) = !phases.contains("query") ? none : withCPU("query") { runPhase { _, cl, r, lat, err in
    if lat["query", default: []].count >= perClient { return false }
    timed(cl, "POST", "/memories/query", #"{"query":"\#(sentence(&r, words: 4))","top_k":10}"#, "query", &lat, &err); return true
} }
_ = stopPerf(queryRecord)
// mcp (opt-in: --phases ...,mcp): the same random query as `POST /memories/query` and as the MCP tool
// `query_memory` over `POST /mcp`, back to back in random order (so neither always follows the other
// into a warm cache), R per client: the MCP overhead under identical load (docs/benchmarks.md "MCP").
let (mcpPhase, _) = !phases.contains("mcp") ? none : withCPU("mcp") { runPhase { _, cl, r, lat, err in
    if lat["mcp", default: []].count >= perClient { return false }
    let q = sentence(&r, words: 4)
    let restBody = #"{"query":"\#(q)","top_k":10}"#
    let mcpBody = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"query_memory","arguments":{"query":"\#(q)","top_k":10}}}"#
    let restFirst = r.next() & 1 == 0
    for i in 0..<2 {
        if (i == 0) == restFirst { timed(cl, "POST", "/memories/query", restBody, "rest", &lat, &err) }
        else { timed(cl, "POST", "/mcp", mcpBody, "mcp", &lat, &err) }
    }
    return true
} }
let addRecord = perfPhase == "add" ? perfRecord.flatMap { phases.contains("add") ? startPerf(["record", "-F", "499", "-g", "-o", $0]) : nil } : nil
let (add, addWall) = !phases.contains("add") ? none : withCPU("add") { runPhase { c, cl, r, lat, err in
    if lat["add", default: []].count >= perClient / 4 { return false }
    counter.lock(); addSerial += 1; let n = addSerial; counter.unlock()
    timed(cl, "POST", "/memories/add", #"{"content":"\#(sentence(&r)) add-\#(n)","agent_id":"agent-\#(c)"}"#, "add", &lat, &err); return true
} }
_ = stopPerf(addRecord)
let stat = perfStat && phases.contains("mixed") ? startPerf(["stat", "-x", ",", "-e", "syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync"]) : nil
let record = perfPhase != "mixed" ? nil : perfRecord.flatMap { phases.contains("mixed") ? startPerf(["record", "-F", "499", "-g", "-o", $0]) : nil }
let deadline = Date().addingTimeInterval(seconds)
// --mix Q,A: percent queries and adds in the mixed phase (votes: the rest); default 80,15.
let mix = (opts["mix"] ?? "80,15").split(separator: ",").compactMap { UInt64($0) }
let (mixQ, mixA) = mix.count == 2 && mix[0] + mix[1] <= 100 ? (mix[0], mix[0] + mix[1]) : (80, 95)
let (mixed, mixedWall) = !phases.contains("mixed") ? none : withCPU("mixed") { runPhase { c, cl, r, lat, err in
    if Date() >= deadline { return false }
    let roll = r.next() % 100
    if roll < mixQ {
        timed(cl, "POST", "/memories/query", #"{"query":"\#(sentence(&r, words: 4))","top_k":10}"#, "query", &lat, &err)
    } else if roll < mixA {
        counter.lock(); addSerial += 1; let n = addSerial; counter.unlock()
        timed(cl, "POST", "/memories/add", #"{"content":"\#(sentence(&r)) mixed-\#(n)","agent_id":"agent-\#(c)"}"#, "add", &lat, &err)
    } else {
        let id = idsSnapshot[Int(r.next() % UInt64(idsSnapshot.count))]
        timed(cl, "POST", "/memories/ace/vote/\(id)", #"{"vote":"helpful","voter_agent_id":"agent-\#(c)"}"#, "vote", &lat, &err)
    }
    return true
} }
_ = stopPerf(record)
let statText = stopPerf(stat)
let rssAfterMixed = serverRSS("after phases")

let h50 = pct(anchor.lat["health"] ?? [], 0.5)
let eng = query.lat["engine"] ?? []
let q = query.lat["query"] ?? [], a = add.lat["add"] ?? []
print("HTTPBench: \(memories) memories preloaded in \(f(preloadSeconds)) s, \(clients) clients, loopback, hashing embedder")
print("anchor  GET /health       p50 \(f(h50)) ms  p99 \(f(pct(anchor.lat["health"] ?? [], 0.99))) ms  errors \(anchor.errors)")
print("query   POST /query       p50 \(f(pct(q, 0.5))) ms  p99 \(f(pct(q, 0.99))) ms  \(Int(Double(q.count) / queryWall)) req/s  errors \(query.errors)  (p50 = \(f(pct(q, 0.5) / h50))x health)")
print("add     POST /add         p50 \(f(pct(a, 0.5))) ms  p99 \(f(pct(a, 0.99))) ms  \(Int(Double(a.count) / addWall)) req/s  errors \(add.errors)  (p50 = \(f(pct(a, 0.5) / h50))x health)")
print("        engine query_time_ms p50 \(f(pct(eng, 0.5))) ms  p99 \(f(pct(eng, 0.99))) ms (HTTP + client share of p50: \(f(pct(q, 0.5) - pct(eng, 0.5))) ms)")
let all = mixed.lat.filter { $0.key != "engine" }.values.flatMap { $0 }
let mixLabel = "\(mixQ)/\(mixA - mixQ)/\(100 - mixA)".padding(toLength: 18, withPad: " ", startingAt: 0)
print("mixed   \(mixLabel)\(Int(Double(mixed.ops) / mixedWall)) ops/s over \(f(mixedWall)) s  p50 \(f(pct(all, 0.5))) ms  p99 \(f(pct(all, 0.99))) ms  errors \(mixed.errors)")
for op in ["query", "add", "vote"] {
    let v = mixed.lat[op] ?? []
    print("        \(op.padding(toLength: 6, withPad: " ", startingAt: 0))            n \(v.count)  p50 \(f(pct(v, 0.5))) ms  p99 \(f(pct(v, 0.99))) ms")
}
if let e = mixed.lat["engine"], !e.isEmpty {
    print("        engine query_time_ms p50 \(f(pct(e, 0.5))) ms  p99 \(f(pct(e, 0.99))) ms (mixed phase)")
}
if phases.contains("mcp") {
    let rq = mcpPhase.lat["rest"] ?? [], mq = mcpPhase.lat["mcp"] ?? []
    print("mcp     POST /mcp query_memory p50 \(f(pct(mq, 0.5))) ms  p99 \(f(pct(mq, 0.99))) ms  vs POST /memories/query p50 \(f(pct(rq, 0.5))) ms  p99 \(f(pct(rq, 0.99))) ms  (same run; MCP adds \(f(pct(mq, 0.5) - pct(rq, 0.5))) ms at p50)  errors \(mcpPhase.errors)")
}
for l in cpuLines { print(l) }
if opts["rss"] == "1" { print(rssAtStart); print(rssAfterMixed) }
if perfStat {
    // perf stat -x, lines: value,unit,event,...
    var syncs = 0
    for line in statText.split(separator: "\n") {
        let cols = line.split(separator: ",", omittingEmptySubsequences: false)
        if cols.count > 2, cols[2].hasPrefix("syscalls:sys_enter_f"), let n = Int(cols[0]) { syncs += n }
    }
    let writes = (mixed.lat["add"]?.count ?? 0) + (mixed.lat["vote"]?.count ?? 0)
    print("fsync   mixed phase       \(syncs) fdatasync/fsync calls for \(writes) acknowledged writes (\(f(Double(writes) / Double(max(1, syncs)))) writes per sync, \(Int(Double(syncs) / mixedWall)) syncs/s)")
}
