import Synchronization
import Testing
@testable import AegisLog

@Suite struct LogReaderTests {
    @Test func scanRangeAndSegmentsWithTimestamps() async throws {
        let options = testOptions(segmentSize: 4096)
        let io = FaultInjectingFileIO(seed: 81)
        let written = try await writeLog(io, count: 100, options: options)
        #expect(try LogReader.records(directory: logDir, io: io, fromLSN: 40, throughLSN: 60) == Array(written[39..<60]))
        let segs = try LogReader.segments(directory: logDir, io: io)
        #expect(segs.first!.firstLSN == 1 && segs.last!.lastLSN == 100)
        for s in segs {
            #expect(s.firstTimestamp == written[Int(s.firstLSN) - 1].timestamp)
            #expect(s.lastTimestamp == written[Int(s.lastLSN) - 1].timestamp)
        }
        // Reading from a late LSN skips earlier sealed segments (listed from headers only).
        let report = try LogReader.scan(directory: logDir, io: io, fromLSN: 95) { _ in }
        #expect(report.recordsDelivered == 6)
        #expect(report.segments.first!.firstTimestamp == nil)
        // Stop at a point in time.
        let target = written[49].timestamp
        var seen: [UInt64] = []
        try LogReader.scanWhile(directory: logDir, io: io) { r in
            guard r.timestamp <= target else { return false }
            seen.append(r.lsn)
            return true
        }
        #expect(seen.last! >= 50)
    }

    @Test func emptyLogScansToNothing() async throws {
        let io = FaultInjectingFileIO(seed: 82)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        let report = try LogReader.scan(directory: logDir, io: io) { _ in Issue.record("no records expected") }
        #expect(report.lastLSN == 0 && report.segments.count == 1)
        try await log.close()
    }

    /// A reader beside a running writer on real files always sees a clean, contiguous prefix.
    @Test func readerBesideARunningWriterOnRealFiles() async throws {
        let dir = tempDirectory("reader")
        let io = PosixFileIO()
        let (log, _) = try WriteAheadLog.open(directory: dir, io: io, options: testOptions(.off, segmentSize: 8192))
        let done = Atomic<Bool>(false)
        async let writer: Void = {
            for i in 0..<600 { _ = try await log.append(type: 1, payload: payload(i)) }
        }()
        var scans = 0
        var lastSeen: UInt64 = 0
        while scans < 40 {
            var expected: UInt64 = 1
            let report = try LogReader.scan(directory: dir, io: io) { r in
                #expect(r.lsn == expected)
                #expect(r.payload.elementsEqual(payload(Int(r.lsn) - 1)))
                expected += 1
            }
            #expect(report.lastLSN >= lastSeen)
            lastSeen = report.lastLSN
            scans += 1
        }
        try await writer
        done.store(true, ordering: .relaxed)
        try await log.close()
        #expect(try LogReader.records(directory: dir, io: io).count == 600)
    }
}
