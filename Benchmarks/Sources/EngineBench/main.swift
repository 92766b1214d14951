// EngineBench: engine-level add and query latency at N memories (hashing embedder, durable
// store), with and without ACL filters at 1% selectivity. Anchors measured in the same run:
// a raw exact scan over all N vectors (AegisVector) and the raw HNSW search (no engine).
//
//   swift run -c release EngineBench [--n 100000] [--dim 384] [--queries 2000] [--dir PATH] [--fsync always|off]
import AegisCore
import AegisEmbedding
import AegisEngine
import AegisHNSW
import AegisLog
import AegisStorage
import AegisVector
#if canImport(Glibc)
import Glibc
#endif

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
func fmt(_ x: Double) -> String { String(Int((x * 1000).rounded())) }   // ms → µs text

struct Rng { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E3779B97F4A7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) } }

let n = Int(arg("--n", "100000"))!
let dim = Int(arg("--dim", "384"))!
let queryCount = Int(arg("--queries", "2000"))!
let dir = arg("--dir", "/tmp/aegis-engine-bench-\(getpid())")
let fsync = arg("--fsync", "always")
let agents = 100
let project = "bench"

// Vocabulary of 4,000 pseudo-words; memories are 12 words.
nonisolated(unsafe) var rng = Rng(s: 1)
let vocab: [String] = (0..<4000).map { i in
    var w = ""; var x = UInt64(i) &* 2654435761 &+ 17
    for _ in 0..<(4 + i % 5) { w.append(Character(Unicode.Scalar(UInt8(97 + x % 26)))); x /= 7; x &+= UInt64(i) }
    return w + String(i)
}
func sentence(_ words: Int) -> String { (0..<words).map { _ in vocab[Int(rng.next() % UInt64(vocab.count))] }.joined(separator: " ") }

let embedder = try HashingEmbedder(dimension: dim)
var storeOptions = StoreOptions()
storeOptions.log.fsync = fsync == "off" ? .off : .always
var config = EngineConfiguration()
config.checkpointIntervalSeconds = 0
let engine = try await AegisEngine.open(directory: dir, embedder: embedder, configuration: config, storeOptions: storeOptions)

print("EngineBench n=\(n) dim=\(dim) queries=\(queryCount) fsync=\(fsync) dir=\(dir)")
// 1. Load with add_batch (100 per call): 90% global, 5% private, 5% shared; owners round-robin.
var t0 = nowNs()
var batchLatencies: [Double] = []
var i = 0
while i < n {
    let items = (i..<min(i + 100, n)).map { j -> AddMemoryRequest in
        let scope = j % 20 == 0 ? "agent-private" : (j % 20 == 1 ? "agent-shared" : "global")
        return AddMemoryRequest(content: sentence(12) + " #\(j)", agentId: "agent-\(j % agents)", scope: scope,
                                sharedWithAgents: scope == "agent-shared" ? ["agent-\((j + 1) % agents)"] : nil)
    }
    let s = nowNs()
    _ = try await engine.addBatch(project: project, AddBatchRequest(items: items))
    batchLatencies.append(Double(nowNs() - s) / 1e6)
    i += items.count
}
let loadS = Double(nowNs() - t0) / 1e9
print("load: \(n) memories via add_batch(100) in \(String(format: "%.1f", loadS)) s = \(Int(Double(n) / loadS)) memories/s; batch p50 \(fmt(pct(batchLatencies, 0.5))) µs p99 \(fmt(pct(batchLatencies, 0.99))) µs")

// 2. Single adds (sequential, durable), on top of N.
var addLat: [Double] = []
for j in 0..<500 {
    let s = nowNs()
    _ = try await engine.add(project: project, AddMemoryRequest(content: sentence(12) + " single \(j)", agentId: "agent-\(j % agents)", scope: "global"))
    addLat.append(Double(nowNs() - s) / 1e6)
}
print("add (single, sequential): p50 \(fmt(pct(addLat, 0.5))) µs p99 \(fmt(pct(addLat, 0.99))) µs")

// Concurrent single adds: 8 writers share fsyncs.
t0 = nowNs()
try await withThrowingTaskGroup(of: Void.self) { g in
    for w in 0..<8 {
        g.addTask {
            var r = Rng(s: UInt64(w) + 99)
            for j in 0..<100 {
                let text = (0..<12).map { _ in vocab[Int(r.next() % UInt64(vocab.count))] }.joined(separator: " ")
                _ = try await engine.add(project: project, AddMemoryRequest(content: text + " c\(w)-\(j)", agentId: "agent-\(j % agents)", scope: "global"))
            }
        }
    }
    try await g.waitForAll()
}
let concS = Double(nowNs() - t0) / 1e9
print("add (8 concurrent writers): \(Int(800 / concS)) adds/s")

// 3. Queries.
let queries = (0..<queryCount).map { _ in sentence(6) }
func measure(_ label: String, _ body: (Int) async throws -> Int) async throws -> (Double, Double) {
    var lat: [Double] = []; var returned = 0
    for (qi, _) in queries.enumerated() {
        let s = nowNs()
        returned += try await body(qi)
        lat.append(Double(nowNs() - s) / 1e6)
    }
    let p50 = pct(lat, 0.5), p99 = pct(lat, 0.99)
    print("\(label): p50 \(fmt(p50)) µs p99 \(fmt(p99)) µs (avg results \(String(format: "%.1f", Double(returned) / Double(queries.count))))")
    return (p50, p99)
}
let unfiltered = try await measure("query, no agent (global only, ~90% admitted, graph)") { qi in
    try await engine.query(project: project, QueryRequest(query: queries[qi], topK: 10)).memories.count
}
let ownAgent = try await measure("query, agent_id (own memories: 1% admitted)") { qi in
    try await engine.query(project: project, QueryRequest(query: queries[qi], agentId: "agent-\(qi % agents)", topK: 10)).memories.count
}
let cross1 = try await measure("query_cross_agent, 1 target (ACL + owner ≈ 1%)") { qi in
    try await engine.queryCrossAgent(project: project, CrossAgentQueryRequest(query: queries[qi], requestingAgentId: "agent-\(qi % agents)",
                                                                              targetAgentIds: ["agent-\((qi + 1) % agents)"], topK: 10)).memories.count
}
let crossAll = try await measure("query_cross_agent, all owners (ACL ≈ 90%)") { qi in
    try await engine.queryCrossAgent(project: project, CrossAgentQueryRequest(query: queries[qi], requestingAgentId: "agent-\(qi % agents)",
                                                                              topK: 10)).memories.count
}
let ex = try await engine.explain(project: project, QueryRequest(query: queries[0], topK: 10))
print("explain(no agent): mode \(ex.mode) ef \(ex.efSearch) visited \(ex.nodesVisited) admitted \(ex.admitted)/\(ex.total) search \(String(format: "%.3f", ex.searchMs)) ms")
let ex2 = try await engine.explain(project: project, QueryRequest(query: queries[0], agentId: "agent-1", topK: 10))
print("explain(agent_id): mode \(ex2.mode) admitted \(ex2.admitted)/\(ex2.total) search \(String(format: "%.3f", ex2.searchMs)) ms")

// 4. Anchors in the same run: embedding alone, raw exact scan over all vectors, raw HNSW search.
let qv = try await embedder.embed(queries)
var embLat: [Double] = []
for q in queries { let s = nowNs(); _ = try await embedder.embed([q]); embLat.append(Double(nowNs() - s) / 1e6) }
print("anchor: hashing embed of one query: p50 \(fmt(pct(embLat, 0.5))) µs")
var all: [Float] = []
all.reserveCapacity(n * dim)
let total = engine.health().indexedMemories
let vecs = try await embedder.embed((0..<min(n, 100_000)).map { _ in sentence(12) })
for v in vecs { all.append(contentsOf: v) }
var scanLat: [Double] = []
for q in qv.prefix(200) {
    let s = nowNs()
    var best: [(Float, Int)] = []
    all.withUnsafeBufferPointer { ap in
        q.withUnsafeBufferPointer { qp in
            for r in 0..<vecs.count {
                let d = VectorKernels.dot(qp.baseAddress!, ap.baseAddress! + r * dim, dim)
                if best.count < 10 { best.append((d, r)); best.sort { $0.0 > $1.0 } } else if d > best[9].0 { best[9] = (d, r); best.sort { $0.0 > $1.0 } }
            }
        }
    }
    scanLat.append(Double(nowNs() - s) / 1e6)
}
print("anchor: raw exact scan of \(vecs.count) vectors: p50 \(fmt(pct(scanLat, 0.5))) µs p99 \(fmt(pct(scanLat, 0.99))) µs")
let hnsw = try HNSWIndex(configuration: HNSWConfiguration(dimension: dim))
try hnsw.insert(labels: (0..<UInt64(vecs.count)).map { $0 }, vectors: all, threads: 2)
var hLat: [Double] = []
for q in qv { let s = nowNs(); _ = try hnsw.search(q, k: 10, ef: 100); hLat.append(Double(nowNs() - s) / 1e6) }
print("anchor: raw HNSW search (ef 100, no filter): p50 \(fmt(pct(hLat, 0.5))) µs p99 \(fmt(pct(hLat, 0.99))) µs")
print("ratios: engine query (no agent) p50 / raw HNSW p50 = \(String(format: "%.2f", unfiltered.0 / pct(hLat, 0.5))); engine query (agent, 1%) p50 / raw exact scan p50 = \(String(format: "%.3f", ownAgent.0 / pct(scanLat, 0.5)))")
print("indexed memories: \(total)")
try await engine.close()
