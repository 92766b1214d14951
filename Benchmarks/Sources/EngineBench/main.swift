// EngineBench: engine-level add and query latency as the store grows to N memories (hashing
// embedder, durable store), with and without ACL filters at 1% selectivity. At each milestone
// the query suite runs and an anchor is measured in the same run: a raw exact top-10 scan over
// the same number of vectors (AegisVector kernels, no engine). Output is line-buffered so
// partial runs are usable.
//
//   swift run -c release EngineBench [--n 100000] [--milestones 10000,50000,100000] [--dim 384]
//                                    [--queries 500] [--dir PATH] [--fsync always|off]
import AegisCore
import AegisEmbedding
import AegisEngine
import AegisLog
import AegisStorage
import AegisVector
#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered line output (partial runs stay readable when redirected to a file).
func say(_ text: String) {
    let line = Array((text + "\n").utf8)
    line.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
}

func arg(_ name: String, _ def: String) -> String {
    let a = CommandLine.arguments
    if let i = a.firstIndex(of: name), i + 1 < a.count { return a[i + 1] }
    return def
}
func nowNs() -> UInt64 { var ts = timespec(); clock_gettime(CLOCK_MONOTONIC, &ts); return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec) }
func pct(_ xs: [Double], _ p: Double) -> Double {
    let s = xs.sorted(); guard !s.isEmpty else { return .nan }
    return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
}
func us(_ ms: Double) -> String { String(Int((ms * 1000).rounded())) }

struct Rng { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E3779B97F4A7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) } }

let n = Int(arg("--n", "100000"))!
let milestones = arg("--milestones", "10000,50000,100000").split(separator: ",").compactMap { Int($0) }.filter { $0 <= n }
let dim = Int(arg("--dim", "384"))!
let queryCount = Int(arg("--queries", "500"))!
let dir = arg("--dir", "/tmp/aegis-engine-bench-\(getpid())")
let fsync = arg("--fsync", "always")
let agents = 100
let project = "bench"

let vocab: [String] = (0..<4000).map { i in
    var w = ""; var x = UInt64(i) &* 2654435761 &+ 17
    for _ in 0..<(4 + i % 5) { w.append(Character(Unicode.Scalar(UInt8(97 + x % 26)))); x /= 7; x &+= UInt64(i) }
    return w + String(i)
}
func sentence(_ r: inout Rng, _ words: Int) -> String { (0..<words).map { _ in vocab[Int(r.next() % UInt64(vocab.count))] }.joined(separator: " ") }

let embedder = try HashingEmbedder(dimension: dim)
var storeOptions = StoreOptions()
storeOptions.log.fsync = fsync == "off" ? .off : .always
var config = EngineConfiguration()
config.checkpointIntervalSeconds = 0
config.checkpointEveryEvents = 0
let engine = try await AegisEngine.open(directory: dir, embedder: embedder, configuration: config, storeOptions: storeOptions)
say("EngineBench n=\(n) milestones=\(milestones) dim=\(dim) queries=\(queryCount) fsync=\(fsync) dir=\(dir)")
say("config: M \(config.hnswM) ef_construction \(config.hnswEfConstruction) ef_search \(config.hnswEfSearch) exact threshold \(config.exactScanThreshold)")

var rng = Rng(s: 1)
var contents: [String] = []
contents.reserveCapacity(n)

func queries(_ count: Int, seed: UInt64) -> [String] { var r = Rng(s: seed); return (0..<count).map { _ in sentence(&r, 6) } }

func measure(_ label: String, _ qs: [String], _ body: (Int) async throws -> Int) async throws -> Double {
    var lat: [Double] = []; var returned = 0
    for qi in qs.indices {
        let s = nowNs()
        returned += try await body(qi)
        lat.append(Double(nowNs() - s) / 1e6)
    }
    say("  \(label): p50 \(us(pct(lat, 0.5))) µs  p99 \(us(pct(lat, 0.99))) µs  (avg results \(String(format: "%.1f", Double(returned) / Double(qs.count))))")
    return pct(lat, 0.5)
}

func querySuite(at count: Int) async throws {
    let qs = queries(queryCount, seed: UInt64(count))
    say("== \(count) memories")
    _ = try await measure("query, no agent_id (global only ≈ 90% admitted)", qs) { qi in
        try await engine.query(project: project, QueryRequest(query: qs[qi], topK: 10)).memories.count
    }
    let own = try await measure("query, agent_id (own memories: 1% admitted)", qs) { qi in
        try await engine.query(project: project, QueryRequest(query: qs[qi], agentId: "agent-\(qi % agents)", topK: 10)).memories.count
    }
    _ = try await measure("query_cross_agent, 1 target (ACL + owner ≈ 1%)", qs) { qi in
        try await engine.queryCrossAgent(project: project, CrossAgentQueryRequest(query: qs[qi], requestingAgentId: "agent-\(qi % agents)",
                                                                                  targetAgentIds: ["agent-\((qi + 1) % agents)"], topK: 10)).memories.count
    }
    _ = try await measure("query_cross_agent, all owners (ACL ≈ 90% admitted)", qs) { qi in
        try await engine.queryCrossAgent(project: project, CrossAgentQueryRequest(query: qs[qi], requestingAgentId: "agent-\(qi % agents)",
                                                                                  topK: 10)).memories.count
    }
    let ex = try await engine.explain(project: project, QueryRequest(query: qs[0], topK: 10))
    say("  explain(no agent_id): mode \(ex.mode), ef \(ex.efSearch), nodes visited \(ex.nodesVisited), admitted \(ex.admitted)/\(ex.total)")
    let ex2 = try await engine.explain(project: project, QueryRequest(query: qs[0], agentId: "agent-1", topK: 10))
    say("  explain(agent_id): mode \(ex2.mode), admitted \(ex2.admitted)/\(ex2.total)")
    // Anchor: raw exact top-10 scan over the same number of vectors. It runs inside AegisVector
    // (`ExactSearch`, not inlined here): that module is built for the host CPU (FMA), this
    // package is not, and an inlined FMA kernel would fall back to a slow libcall.
    let vecs = try await embedder.embed(Array(contents.prefix(count)))
    let arena = try VectorArena(dimension: dim, capacity: vecs.count)
    for v in vecs { _ = try arena.append(v) }
    let qv = try await embedder.embed(Array(qs.prefix(100)))
    var scan: [Double] = []
    for q in qv {
        let s = nowNs()
        _ = q.withUnsafeBufferPointer { ExactSearch.topK(query: $0.baseAddress!, arena: arena, k: 10, metric: .innerProduct) }
        scan.append(Double(nowNs() - s) / 1e6)
    }
    say("  anchor: raw exact top-10 scan of \(vecs.count) vectors: p50 \(us(pct(scan, 0.5))) µs  p99 \(us(pct(scan, 0.99))) µs")
    say("  ratio: engine query agent_id (1%) p50 / raw exact scan p50 = \(String(format: "%.3f", own / pct(scan, 0.5)))")
}

// Load with add_batch (100 per call): 90% global, 5% private, 5% shared; owners round-robin.
var loaded = 0
var nextMilestone = 0
var batchLat: [Double] = []
var t0 = nowNs()
while loaded < n {
    let items = (loaded..<min(loaded + 100, n)).map { j -> AddMemoryRequest in
        let scope = j % 20 == 0 ? "agent-private" : (j % 20 == 1 ? "agent-shared" : "global")
        let text = sentence(&rng, 12) + " #\(j)"
        contents.append(text)
        return AddMemoryRequest(content: text, agentId: "agent-\(j % agents)", scope: scope,
                                sharedWithAgents: scope == "agent-shared" ? ["agent-\((j + 1) % agents)"] : nil)
    }
    let s = nowNs()
    _ = try await engine.addBatch(project: project, AddBatchRequest(items: items))
    batchLat.append(Double(nowNs() - s) / 1e6)
    loaded += items.count
    if loaded % 10_000 == 0 {
        let secs = Double(nowNs() - t0) / 1e9
        say("load: \(loaded) memories, last 10,000 in \(String(format: "%.1f", secs)) s (\(Int(10_000 / secs))/s), add_batch(100) p50 \(us(pct(batchLat, 0.5))) µs p99 \(us(pct(batchLat, 0.99))) µs")
        batchLat = []; t0 = nowNs()
    }
    if nextMilestone < milestones.count, loaded >= milestones[nextMilestone] {
        try await querySuite(at: loaded)
        // Single adds on top (sequential, durable per the fsync policy); they stay in the store.
        var addLat: [Double] = []
        for j in 0..<200 {
            let s2 = nowNs()
            _ = try await engine.add(project: project, AddMemoryRequest(content: sentence(&rng, 12) + " single \(loaded)-\(j)",
                                                                       agentId: "agent-\(j % agents)", scope: "global"))
            addLat.append(Double(nowNs() - s2) / 1e6)
        }
        say("  add (single, sequential): p50 \(us(pct(addLat, 0.5))) µs  p99 \(us(pct(addLat, 0.99))) µs")
        nextMilestone += 1
        t0 = nowNs()
    }
}
try await engine.close()
say("done")
