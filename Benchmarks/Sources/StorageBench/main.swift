import AegisCore
import AegisLog
import AegisStorage
import Foundation

// StorageBench: replay speed and snapshot open time of AegisStorage, each with an anchor
// measured in the same run (see docs/benchmarks.md, "## Storage").
//
//   StorageBench replay --dir D [--records 1000000]
//   StorageBench open   --dir D [--memories 1000000] [--dimension 384]
//
// D is created (and reused when it already holds the data set, to skip the slow build).

func arg(_ name: String, _ def: String) -> String {
    let a = CommandLine.arguments
    if let i = a.firstIndex(of: "--" + name), i + 1 < a.count { return a[i + 1] }
    return def
}
func now() -> Double { Date().timeIntervalSince1970 }
/// CPU seconds (user + system) used by this process so far: the machine is shared, so wall
/// time alone overstates the work; both are reported.
func cpu() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}
func fmt(_ x: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", x) }

struct Rng { var s: UInt64; mutating func next() -> UInt64 { s &+= 0x9E3779B97F4A7C15; var z = s; z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) &* 0x94D049BB133111EB; return z ^ (z >> 31) } }

let project = "default-project"
let agents = (0..<16).map { "agent-\($0)" }
let namespaces = ["default", "project-x", "ops", "research"]

func memory(_ i: Int, _ dim: Int, _ rng: inout Rng) -> Memory {
    let text = "Memory \(i): the deploy pipeline for service \(rng.next() % 1000) needs a retry with backoff; observed by agent \(i % 16) during run \(rng.next() % 100000)."
    var v = [Float](repeating: 0, count: dim)
    for j in 0..<dim { v[j] = Float(Int(rng.next() % 2001) - 1000) / 1000 }
    return Memory(id: Identifier.uuid4Hex(), projectId: project, userId: i % 3 == 0 ? "user-\(i % 7)" : nil, agentId: agents[i % 16],
                  namespace: namespaces[i % 4], memoryType: i % 10 == 0 ? .reflection : .standard, content: text, embedding: v,
                  metadata: ["source": .string("bench"), "i": .int(Int64(i))], scope: [.global, .agentPrivate, .agentShared][i % 3],
                  createdAt: Timestamp(microseconds: 1_750_000_000_000_000 + Int64(i) * 1000))
}

/// Commits `total` commits produced by `make`, `inFlight` at a time (fsync=off for the build).
func fill(_ store: Store, total: Int, inFlight: Int, make: @escaping @Sendable (Int) -> [StoreEvent]) async throws {
    var next = 0
    try await withThrowingTaskGroup(of: Void.self) { g in
        while next < total || !g.isEmpty {
            var started = 0
            while next < total && started < inFlight {
                let i = next
                g.addTask { try await store.commit(make(i)) }
                next += 1; started += 1
            }
            for _ in 0..<started { try await g.next() }
        }
    }
}

func replayBench() async throws {
    let dir = arg("dir", "/tmp/aegis-bench-replay")
    let records = Int(arg("records", "1000000"))!
    var o = StoreOptions(embeddingModel: "bench", dimension: 8)
    o.log.fsync = .off
    o.collectIndexCatchUp = false
    if !FileManager.default.fileExists(atPath: dir + "/log") {
        print("building \(records) records in \(dir) …")
        let t0 = now()
        let store = try await Store.open(directory: dir, options: o)
        let memories = 10_000
        let ids = (0..<memories).map { String(format: "%032x", $0) }
        try await fill(store, total: memories, inFlight: 256) { i in
            var r = Rng(s: UInt64(i))
            var m = memory(i, 8, &r)
            m.id = ids[i]
            return [.memoryPut(m)]
        }
        try await fill(store, total: records - memories - 1, inFlight: 256) { i in
            [.vote(Vote(id: String(format: "v%031x", i), memoryId: ids[i % memories], projectId: project, voterAgentId: agents[i % 16],
                        vote: i % 5 == 0 ? .harmful : .helpful, context: nil, taskId: "task-\(i % 100)", createdAt: Timestamp(microseconds: Int64(i))))]
        }
        try await store.close()
        print("built in \(fmt(now() - t0)) s")
    }
    // Anchor: the log reader alone (read + checksum + decompress every record, no decoding).
    var anchor = Double.infinity, full = Double.infinity, anchorCPU = Double.infinity, fullCPU = Double.infinity
    var n = 0, replayed = 0
    for _ in 0..<3 {
        let t0 = now(), c0 = cpu()
        n = 0
        try LogReader.scan(directory: dir + "/log", io: PosixFileIO()) { _ in n += 1 }
        anchor = min(anchor, now() - t0); anchorCPU = min(anchorCPU, cpu() - c0)
        let t1 = now(), c1 = cpu()
        let store = try await Store.open(directory: dir, options: o)
        full = min(full, now() - t1); fullCPU = min(fullCPU, cpu() - c1)
        replayed = store.openReport.replayedRecords
        try await store.close()
    }
    print("replay: \(replayed) records in \(fmt(full, 3)) s wall (\(Int(Double(replayed) / full)) records/s), \(fmt(fullCPU, 3)) s CPU (\(Int(Double(replayed) / fullCPU)) records/CPU-s) — Store.open: log verify + decode + apply, best of 3")
    print("anchor: LogReader.scan of \(n) records in \(fmt(anchor, 3)) s wall, \(fmt(anchorCPU, 3)) s CPU; replay/anchor ratio wall \(fmt(full / anchor)), CPU \(fmt(fullCPU / anchorCPU))")
}

func openBench() async throws {
    let dir = arg("dir", "/tmp/aegis-bench-open")
    let count = Int(arg("memories", "1000000"))!
    let dim = Int(arg("dimension", "384"))!
    var o = StoreOptions(embeddingModel: "bench-\(dim)", dimension: dim, retainedSnapshots: 1)
    o.log.fsync = .off
    o.collectIndexCatchUp = false
    if !FileManager.default.fileExists(atPath: dir + "/CURRENT") {
        print("building \(count) memories (\(dim)-d) in \(dir) …")
        let t0 = now()
        let store = try await Store.open(directory: dir, options: o)
        let batch = 500
        try await fill(store, total: (count + batch - 1) / batch, inFlight: 8) { b in
            var r = Rng(s: UInt64(b) &* 7919)
            return (b * batch..<min(count, (b + 1) * batch)).map { .memoryPut(memory($0, dim, &r)) }
        }
        let t1 = now()
        let info = try await store.checkpoint(indexSection: [UInt8](repeating: 0xAB, count: 1 << 20))
        print("built in \(fmt(t1 - t0)) s; checkpoint of \(info.memoryCount) memories, \(info.fileSize >> 20) MiB in \(fmt(now() - t1)) s")
        try await store.close()
    }
    let snap = try FileManager.default.contentsOfDirectory(atPath: dir + "/snapshots").filter { $0.hasSuffix(".snap") }.sorted().last!
    var anchor = Double.infinity, full = Double.infinity, anchorCPU = Double.infinity, fullCPU = Double.infinity
    var loaded = 0
    let rounds = Int(arg("rounds", "3"))!
    for _ in 0..<rounds {
        // Anchor: map the snapshot and XXH3 all of it (the I/O + checksum floor of any verified open).
        let t0 = now(), c0 = cpu()
        let bytes = try PosixFileIO().readWholeFile(dir + "/snapshots/" + snap, maxSize: Int.max)
        let sum = bytes.withUnsafeBytes { Checksum.xxh3($0) }
        anchor = min(anchor, now() - t0); anchorCPU = min(anchorCPU, cpu() - c0)
        _ = sum
        let t1 = now(), c1 = cpu()
        let store = try await Store.open(directory: dir, options: o)
        full = min(full, now() - t1); fullCPU = min(fullCPU, cpu() - c1)
        loaded = store.read { $0.totalMemoryCount }
        try await store.close()
    }
    print("open: \(loaded) memories (\(dim)-d) from snapshot \(snap): \(fmt(full, 3)) s wall, \(fmt(fullCPU, 3)) s CPU (best of \(rounds))")
    print("anchor: mmap + XXH3 of the whole snapshot: \(fmt(anchor, 3)) s wall, \(fmt(anchorCPU, 3)) s CPU; open/anchor ratio wall \(fmt(full / anchor)), CPU \(fmt(fullCPU / anchorCPU))")
}

switch CommandLine.arguments.dropFirst().first {
case "replay": try await replayBench()
case "open": try await openBench()
default: print("usage: StorageBench replay|open --dir D [--records N | --memories N --dimension D]")
}
