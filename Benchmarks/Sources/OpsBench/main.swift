import Foundation
#if canImport(Glibc)
import Glibc
#endif

// OpsBench: the operations commands of `aegis-memory` on a store of N memories (default
// 100,000 × 384 dims): backup, verify, restore, export (pgsql, jsonl) and import of the pgsql
// file. Each step runs the real binary as a child process; wall time, CPU time and peak RSS
// (wait4 rusage ru_maxrss) are reported with throughput over the data directory's bytes and
// ratios against two anchors measured in the same run on the same bytes:
//   - `cp -r` of the data directory (child process, page cache warm);
//   - raw copy: sequential read + write of every file in 1 MiB chunks with an fsync per file
//     (what backup and restore must at least do).
// See docs/benchmarks.md "## Operations".
//
//   OpsBench --bin PATH/aegis-memory [--dir WORKDIR] [--count 100000] [--dimension 384] [--json]

func arg(_ name: String, _ def: String?) -> String? {
    let a = CommandLine.arguments
    if let i = a.firstIndex(of: "--" + name), i + 1 < a.count { return a[i + 1] }
    return def
}
func fmt(_ x: Double, _ d: Int = 2) -> String { String(format: "%.\(d)f", x) }
func now() -> Double { Date().timeIntervalSince1970 }

struct Measure {
    var label: String
    var seconds: Double
    var cpu: Double
    var maxRSSKiB: Int
    var extra = ""
}

/// Runs a child to completion; wall time and its rusage (CPU, peak RSS).
func spawn(_ argv: [String], env extra: [String: String] = [:]) -> (status: Int32, seconds: Double, cpu: Double, rssKiB: Int, stderr: String) {
    let errPath = NSTemporaryDirectory() + "opsbench-\(UUID().uuidString).err"
    defer { unlink(errPath) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in extra { env[k] = v }
    var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    var cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in cArgs { free(p) }; for p in cEnv { free(p) } }
    var pid: pid_t = 0
    let t0 = now()
    guard posix_spawnp(&pid, argv[0], &actions, nil, &cArgs, &cEnv) == 0 else { return (127, 0, 0, 0, "cannot run \(argv[0])") }
    var status: Int32 = 0
    var ru = rusage()
    while wait4(pid, &status, 0, &ru) < 0 && errno == EINTR {}
    let secs = now() - t0
    let cpu = Double(ru.ru_utime.tv_sec) + Double(ru.ru_utime.tv_usec) / 1e6 + Double(ru.ru_stime.tv_sec) + Double(ru.ru_stime.tv_usec) / 1e6
    let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    return (code, secs, cpu, Int(ru.ru_maxrss), (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
}

func run(_ label: String, _ argv: [String], env: [String: String] = [:]) -> Measure {
    let r = spawn(argv, env: env)
    guard r.status == 0 else {
        FileHandle.standardError.write(Data("\(label) failed (\(r.status)): \(r.stderr)\n".utf8))
        exit(1)
    }
    return Measure(label: label, seconds: r.seconds, cpu: r.cpu, maxRSSKiB: r.rssKiB)
}

func files(_ dir: String) -> [String] {
    var out: [String] = []
    let e = FileManager.default.enumerator(atPath: dir)!
    while let rel = e.nextObject() as? String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue { out.append(rel) }
    }
    return out.sorted()
}

func bytes(_ dir: String) -> Int64 {
    files(dir).reduce(Int64(0)) { $0 + ((try? FileManager.default.attributesOfItem(atPath: dir + "/" + $1)[.size] as? NSNumber)?.int64Value ?? 0) }
}

/// The raw anchor: sequential read + write of every file (1 MiB chunks), fsync per file.
func rawCopy(_ from: String, _ to: String) -> Measure {
    let t0 = now()
    var ru0 = rusage(); getrusage(RUSAGE_SELF.rawValue, &ru0)
    var buf = [UInt8](repeating: 0, count: 1 << 20)
    for rel in files(from) {
        let dst = to + "/" + rel
        try? FileManager.default.createDirectory(atPath: (dst as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let i = open(from + "/" + rel, O_RDONLY), o = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(i >= 0 && o >= 0, "raw copy: cannot open \(rel)")
        while true {
            let n = buf.withUnsafeMutableBytes { read(i, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            var w = 0
            while w < n { let k = buf.withUnsafeBytes { write(o, $0.baseAddress! + w, n - w) }; precondition(k > 0); w += k }
        }
        fsync(o); close(o); close(i)
    }
    var ru1 = rusage(); getrusage(RUSAGE_SELF.rawValue, &ru1)
    func c(_ r: rusage) -> Double { Double(r.ru_utime.tv_sec) + Double(r.ru_utime.tv_usec) / 1e6 + Double(r.ru_stime.tv_sec) + Double(r.ru_stime.tv_usec) / 1e6 }
    return Measure(label: "anchor: raw read+write+fsync", seconds: now() - t0, cpu: c(ru1) - c(ru0), maxRSSKiB: 0)
}

guard let bin = arg("bin", nil) else {
    print("usage: OpsBench --bin PATH/aegis-memory [--dir WORKDIR] [--count 100000] [--dimension 384]")
    exit(2)
}
let count = Int(arg("count", "100000")!)!
let dim = Int(arg("dimension", "384")!)!
let work = arg("dir", nil) ?? (NSTemporaryDirectory() + "aegis-opsbench-\(getpid())")
let keepWork = arg("dir", nil) != nil
try? FileManager.default.removeItem(atPath: work)
try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
defer { if !keepWork { try? FileManager.default.removeItem(atPath: work) } }

let d = work + "/data"
_ = run("demo-data", [bin, "demo-data", "--data-dir", d, "--count", "\(count)", "--dimension", "\(dim)"])
let size = bytes(d)
let mib = Double(size) / 1_048_576
print("data directory: \(count) memories × \(dim) dims, \(fmt(mib, 1)) MiB (\(size) bytes), \(files(d).count) files")
sync()

var rows: [Measure] = []
let cp = run("anchor: cp -r data dir", ["cp", "-r", d, work + "/cp"])
rows.append(cp)
let raw = rawCopy(d, work + "/raw")
rows.append(raw)
rows.append(run("backup", [bin, "backup", "--data-dir", d, "--out", work + "/backup"]))
rows.append(run("verify --backup", [bin, "verify", "--backup", work + "/backup"]))
rows.append(run("verify --data-dir", [bin, "verify", "--data-dir", d]))
rows.append(run("restore (incl. reopen)", [bin, "restore", "--from", work + "/backup", "--data-dir", work + "/restored"]))
var pg = run("export --format pgsql", [bin, "export", "--data-dir", d, "--format", "pgsql", "--output", work + "/x.sql"])
let sqlBytes = (try? FileManager.default.attributesOfItem(atPath: work + "/x.sql")[.size] as? NSNumber)?.int64Value ?? 0
pg.extra = "\(fmt(Double(sqlBytes) / 1_048_576, 0)) MiB SQL, \(fmt(Double(sqlBytes) / 1_048_576 / pg.seconds, 0)) MB/s written"
rows.append(pg)
rows.append(run("export --format jsonl (+emb)", [bin, "export", "--data-dir", d, "--format", "jsonl", "--include-embeddings", "--output", work + "/x.jsonl"]))
var imp = run("import x.sql (new store)", [bin, "import", "--data-dir", work + "/imported", work + "/x.sql", "--embedder", "hash"],
              env: ["AEGIS_HASH_DIMENSION": "\(dim)"])
imp.extra = "\(fmt(Double(count) / imp.seconds, 0)) memories/s"
rows.append(imp)

print("| step | wall | CPU | MB/s (data dir / wall) | vs cp -r | vs raw copy | peak RSS | note |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for r in rows {
    let mbs = mib / r.seconds
    print("| \(r.label) | \(fmt(r.seconds)) s | \(fmt(r.cpu)) s | \(fmt(mbs, 0)) | \(fmt(cp.seconds / r.seconds))× | \(fmt(raw.seconds / r.seconds))× | \(r.maxRSSKiB > 0 ? fmt(Double(r.maxRSSKiB) / 1024, 0) + " MiB" : "—") | \(r.extra) |")
}
