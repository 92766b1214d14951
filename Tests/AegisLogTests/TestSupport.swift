import Foundation
import Testing
@testable import AegisLog

let logDir = "/data/log"

/// Deterministic payload for record `i` (varied sizes, some compressible).
func payload(_ i: Int, size: Int? = nil) -> [UInt8] {
    let n = size ?? (20 + (i * 37) % 180)
    var rng = SplitMix64(seed: UInt64(i) &* 0x9E37)
    if i % 5 == 0 { return [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: n) }
    return (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
}

/// Options for small, fast test logs.
func testOptions(_ fsync: FsyncPolicy = .always, segmentSize: Int = 1 << 20) -> LogOptions {
    var o = LogOptions(fsync: fsync, segmentSize: segmentSize)
    o.compressionThreshold = 64
    return o
}

/// Writes `count` records one append at a time (each its own group commit) and closes.
@discardableResult
func writeLog(_ io: any FileIO, count: Int, options: LogOptions = testOptions(), dir: String = logDir) async throws -> [LogRecord] {
    let (log, _) = try WriteAheadLog.open(directory: dir, io: io, options: options)
    var out: [LogRecord] = []
    for i in 0..<count { out.append(try await log.append(type: UInt8(1 + i % 100), payload: payload(i))) }
    try await log.close()
    return out
}

func segmentPath(_ n: UInt64, dir: String = logDir) -> String { IOPath.join(dir, LogFormat.segmentFileName(n)) }

/// Byte offsets of each record in a segment file (parsed with the format's own rules).
func recordOffsets(_ bytes: [UInt8]) -> [Int] {
    var out: [Int] = []
    var o = LogFormat.segmentHeaderSize
    while o + LogFormat.recordHeaderSize <= bytes.count {
        let len = bytes.withUnsafeBytes { Int(LE.u32($0, o + 8)) }
        out.append(o)
        o += LogFormat.recordHeaderSize + len
    }
    return out
}

/// Opens the log, expecting it to be refused as corrupt; returns the error.
func expectCorruption(_ io: any FileIO, dir: String = logDir, options: LogOptions = testOptions(),
                      sourceLocation: SourceLocation = #_sourceLocation) -> LogError? {
    do {
        let (log, report) = try WriteAheadLog.open(directory: dir, io: io, options: options)
        Issue.record("expected corruption, opened with \(report)", sourceLocation: sourceLocation)
        Task { try? await log.close() }
        return nil
    } catch let e as LogError {
        #expect(e.code == .corruption, "\(e)", sourceLocation: sourceLocation)
        return e
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Opens, reads everything back, closes. Returns records and the recovery report.
func reopenAndRead(_ io: any FileIO, dir: String = logDir, options: LogOptions = testOptions()) async throws -> ([LogRecord], LogRecoveryReport) {
    var records: [LogRecord] = []
    let (log, report) = try WriteAheadLog.open(directory: dir, io: io, options: options, replayFrom: 0) { records.append($0.record) }
    try await log.close()
    return (records, report)
}

/// A record with a valid checksum and arbitrary fields (for hostile-input tests).
func craftRecord(lsn: UInt64, type: UInt8, payload: [UInt8], flags: UInt8 = 0, rawLength: Int? = nil,
                 syncedThrough: Int64 = 40, timestamp: Int64 = 1_700_000_000_000_000) -> [UInt8] {
    var buf: [UInt8] = []
    payload.withUnsafeBytes {
        RecordEncoder.append(to: &buf, lsn: lsn, timestamp: timestamp, syncedThrough: syncedThrough, type: type,
                             flags: flags, rawLength: rawLength ?? payload.count, stored: $0)
    }
    return buf
}

func tempDirectory(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "aegislog-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

var tortureEnabled: Bool { ProcessInfo.processInfo.environment["AEGIS_TORTURE"] == "1" }
