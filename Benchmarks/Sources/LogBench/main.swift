// LogBench: durable append throughput (group commit) and replay throughput of AegisLog.
// Usage: LogBench [--dir PATH] [--records N] [--replay-records N] [--payload BYTES]
// Every figure is printed next to an anchor measured in the same run on the same disk.
import AegisLog
import Foundation
import Synchronization

struct Args {
    var dir = NSTemporaryDirectory() + "aegis-logbench-\(getpid())"
    var records = 20_000
    var replayRecords = 1_000_000
    var payload = 200
    var writers = 8

    init() {
        var it = CommandLine.arguments.dropFirst().makeIterator()
        while let a = it.next() {
            switch a {
            case "--dir": dir = it.next()!
            case "--records": records = Int(it.next()!)!
            case "--replay-records": replayRecords = Int(it.next()!)!
            case "--payload": payload = Int(it.next()!)!
            case "--writers": writers = Int(it.next()!)!
            default: fatalError("unknown argument \(a)")
            }
        }
    }
}

/// Counts fdatasync/fsync calls while delegating to the POSIX implementation.
final class CountingIO: FileIO {
    let base = PosixFileIO()
    let syncs = Atomic<Int>(0)
    func open(_ path: String, mode: FileOpenMode) throws -> IOHandle { try base.open(path, mode: mode) }
    func close(_ handle: IOHandle) throws { try base.close(handle) }
    func pread(_ h: IOHandle, into b: UnsafeMutableRawBufferPointer, at o: Int64) throws -> Int { try base.pread(h, into: b, at: o) }
    func pwrite(_ h: IOHandle, _ b: UnsafeRawBufferPointer, at o: Int64) throws { try base.pwrite(h, b, at: o) }
    func append(_ h: IOHandle, _ b: UnsafeRawBufferPointer) throws -> Int64 { try base.append(h, b) }
    func fsync(_ h: IOHandle) throws { syncs.add(1, ordering: .relaxed); try base.fsync(h) }
    func fdatasync(_ h: IOHandle) throws { syncs.add(1, ordering: .relaxed); try base.fdatasync(h) }
    func ftruncate(_ h: IOHandle, to s: Int64) throws { try base.ftruncate(h, to: s) }
    func fileSize(_ h: IOHandle) throws -> Int64 { try base.fileSize(h) }
    func fileSize(atPath p: String) throws -> Int64? { try base.fileSize(atPath: p) }
    func fileExists(_ p: String) -> Bool { base.fileExists(p) }
    func isDirectory(_ p: String) -> Bool { base.isDirectory(p) }
    func rename(_ f: String, to t: String) throws { try base.rename(f, to: t) }
    func unlink(_ p: String) throws { try base.unlink(p) }
    func listDirectory(_ p: String) throws -> [String] { try base.listDirectory(p) }
    func fsyncDirectory(_ p: String) throws { try base.fsyncDirectory(p) }
    func makeDirectory(_ p: String) throws { try base.makeDirectory(p) }
    func lockExclusive(_ p: String) throws -> IOHandle { try base.lockExclusive(p) }
    func readWholeFile(_ p: String, maxSize: Int) throws -> FileBytes { try base.readWholeFile(p, maxSize: maxSize) }
}

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func fmt(_ x: Double) -> String { String(format: "%.0f", x) }
func rm(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

/// Anchor: the raw rate of (200-byte write + fdatasync) on this disk, one after another.
func rawFsyncRate(dir: String, payload: Int, count: Int) throws -> Double {
    let io = PosixFileIO()
    try io.makeDirectory(dir)
    let h = try io.open(dir + "/anchor", mode: .createTruncate)
    defer { try? io.close(h); rm(dir + "/anchor") }
    let bytes = [UInt8](repeating: 7, count: payload + 40)
    let start = ContinuousClock.now
    for _ in 0..<count { try io.append(h, bytes); try io.fdatasync(h) }
    return Double(count) / seconds(ContinuousClock.now - start)
}

func durableAppends(dir: String, writers: Int, total: Int, payload: Int) async throws -> (rate: Double, recordsPerSync: Double) {
    rm(dir)
    let io = CountingIO()
    let (log, _) = try WriteAheadLog.open(directory: dir, io: io, options: LogOptions(fsync: .always))
    let body = (0..<payload).map { UInt8(truncatingIfNeeded: $0 &* 131) }
    let syncsBefore = io.syncs.load(ordering: .relaxed)
    let start = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for w in 0..<writers {
            group.addTask {
                let mine = total / writers + (w < total % writers ? 1 : 0)
                for _ in 0..<mine { _ = try await log.append(type: 1, payload: body) }
            }
        }
        try await group.waitForAll()
    }
    let elapsed = seconds(ContinuousClock.now - start)
    let syncs = io.syncs.load(ordering: .relaxed) - syncsBefore
    try await log.close()
    return (Double(total) / elapsed, Double(total) / Double(max(1, syncs)))
}

func replay(dir: String, count: Int, payload: Int) async throws -> (views: Double, copies: Double, anchorMBs: Double, recordsMBs: Double) {
    rm(dir)
    var options = LogOptions(fsync: .off)
    options.compressionThreshold = Int.max
    let (log, _) = try WriteAheadLog.open(directory: dir, io: PosixFileIO(), options: options)
    var rng = SystemRandomNumberGenerator()
    let batch = 1000
    for b in stride(from: 0, to: count, by: batch) {
        let items = (0..<min(batch, count - b)).map { _ in (type: UInt8(1), payload: (0..<payload).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
        _ = try await log.append(batch: items)
    }
    try await log.close()
    let io = PosixFileIO()
    // Warm the page cache once, so both the anchor and the scans read from memory.
    var n = 0
    try LogReader.scan(directory: dir, io: io) { _ in n += 1 }
    precondition(n == count)
    var start = ContinuousClock.now
    var sum = 0
    try LogReader.scan(directory: dir, io: io) { r in sum &+= Int(r.payload.count) }
    let views = Double(count) / seconds(ContinuousClock.now - start)
    start = ContinuousClock.now
    var copies = 0
    try LogReader.scan(directory: dir, io: io) { r in copies &+= r.record.payload.count }
    let copyRate = Double(count) / seconds(ContinuousClock.now - start)
    // Anchor: read the same files in 1 MiB chunks and XXH3 them (no parsing).
    var bytes = 0
    start = ContinuousClock.now
    for name in try io.listDirectory(dir) where name.hasSuffix(".seg") {
        let h = try io.open(dir + "/" + name, mode: .readOnly)
        var buf = [UInt8](repeating: 0, count: 1 << 20)
        var off: Int64 = 0
        while true {
            let got = try buf.withUnsafeMutableBytes { try io.pread(h, into: $0, at: off) }
            if got == 0 { break }
            _ = buf.withUnsafeBytes { Checksum.xxh3(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            off += Int64(got)
            bytes += got
        }
        try io.close(h)
    }
    let anchor = Double(bytes) / 1e6 / seconds(ContinuousClock.now - start)
    let recordsMBs = views * Double(payload + 40) / 1e6
    precondition(sum == count * payload && copies == sum)
    return (views, copyRate, anchor, recordsMBs)
}

/// Unbuffered line output (progress stays visible when piped).
func print(_ s: String) { FileHandle.standardOutput.write((s + "\n").data(using: .utf8)!) }
let args = Args()
print("LogBench: dir \(args.dir), payload \(args.payload) B, \(ProcessInfo.processInfo.activeProcessorCount) cores")
let raw = try rawFsyncRate(dir: args.dir + "-anchor", payload: args.payload, count: 500)
print("anchor  raw write+fdatasync, 1 at a time:        \(fmt(raw)) /s")
let single = try await durableAppends(dir: args.dir + "-1", writers: 1, total: max(500, args.records / 10), payload: args.payload)
print("append  fsync=always, 1 writer:                   \(fmt(single.rate)) records/s  (\(String(format: "%.2f", single.rate / raw))× anchor, \(String(format: "%.1f", single.recordsPerSync)) records/fsync)")
let multi = try await durableAppends(dir: args.dir + "-8", writers: args.writers, total: args.records, payload: args.payload)
print("append  fsync=always, \(args.writers) writers:                  \(fmt(multi.rate)) records/s  (\(String(format: "%.2f", multi.rate / raw))× anchor, \(String(format: "%.1f", multi.recordsPerSync)) records/fsync)")
let r = try await replay(dir: args.dir + "-replay", count: args.replayRecords, payload: args.payload)
print("replay  \(args.replayRecords) records, borrowed views:      \(fmt(r.views)) records/s  (\(fmt(r.recordsMBs)) MB/s; anchor read+XXH3 \(fmt(r.anchorMBs)) MB/s, ratio \(String(format: "%.2f", r.recordsMBs / r.anchorMBs)))")
print("replay  \(args.replayRecords) records, owned copies:        \(fmt(r.copies)) records/s")
for suffix in ["-anchor", "-1", "-8", "-replay"] { rm(args.dir + suffix) }
