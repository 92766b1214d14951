import Testing
@testable import AegisLog

@Suite struct WriteAheadLogTests {
    @Test func appendReopenReadBack() async throws {
        let io = FaultInjectingFileIO(seed: 1)
        let written = try await writeLog(io, count: 50)
        #expect(written.map(\.lsn) == Array(1...50))
        let (records, report) = try await reopenAndRead(io)
        #expect(records == written)
        #expect(report.recordCount == 50)
        #expect(report.firstLSN == 1)
        #expect(report.lastLSN == 50)
        #expect(report.truncatedBytes == 0)
        #expect(report.replayedRecords == 50)
    }

    @Test func lsnContinuesAcrossReopenAndTimestampsNeverDecrease() async throws {
        let io = FaultInjectingFileIO(seed: 2)
        let a = try await writeLog(io, count: 10)
        let b = try await writeLog(io, count: 10)
        let all = a + b
        #expect(all.map(\.lsn) == Array(1...20))
        for (x, y) in zip(all, all.dropFirst()) { #expect(x.timestamp <= y.timestamp) }
        #expect(all[0].timestamp > 1_600_000_000_000_000)
    }

    @Test func batchGetsConsecutiveLSNs() async throws {
        let io = FaultInjectingFileIO(seed: 3)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        let recs = try await log.append(batch: (0..<7).map { (type: UInt8(2), payload: payload($0)) })
        #expect(recs.map(\.lsn) == Array(1...7))
        #expect(Set(recs.map(\.timestamp)).count == 1)
        #expect(log.lastLSN == 7)
        #expect(log.durableLSN == 7)
        #expect(try await log.append(batch: []) == [])
        try await log.close()
    }

    @Test func firstLSNOptionStartsAnEmptyLog() async throws {
        let io = FaultInjectingFileIO(seed: 4)
        var o = testOptions()
        o.firstLSN = 1001
        let (log, report) = try WriteAheadLog.open(directory: logDir, io: io, options: o)
        #expect(report.lastLSN == 1000)
        #expect(try await log.append(type: 1, payload: [1]).lsn == 1001)
        try await log.close()
    }

    @Test func invalidAppendsAreRejected() async throws {
        let io = FaultInjectingFileIO(seed: 5)
        var o = testOptions()
        o.maxRecordSize = 1000
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: o)
        for t: UInt8 in [0, 128, 255] {
            await #expect(throws: LogError.self) { _ = try await log.append(type: t, payload: [1]) }
        }
        let e = await #expect(throws: LogError.self) { _ = try await log.append(type: 1, payload: [UInt8](repeating: 0, count: 1001)) }
        #expect(e?.code == .invalidArgument)
        #expect(try await log.append(type: 1, payload: [UInt8](repeating: 0, count: 1000)).lsn == 1)
        #expect(log.failure == nil)
        try await log.close()
    }

    @Test func emptyPayloadRoundTrips() async throws {
        let io = FaultInjectingFileIO(seed: 6)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        _ = try await log.append(type: 9, payload: [])
        try await log.close()
        let (records, _) = try await reopenAndRead(io)
        #expect(records.map(\.payload) == [[]])
    }

    @Test func compressionRoundTripAndItShrinksTheFile() async throws {
        let io = FaultInjectingFileIO(seed: 7)
        let text = Array(String(repeating: "agent memory about the deployment pipeline; ", count: 100).utf8)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        _ = try await log.append(type: 1, payload: text)
        _ = try await log.append(type: 1, payload: payload(1, size: 3000)) // random: incompressible, stored raw
        try await log.close()
        let bytes = io.contents(of: segmentPath(1))!
        #expect(bytes.count < 40 + 40 + text.count / 4 + 40 + 3000)
        let flags = recordOffsets(bytes).map { bytes[$0 + 37] }
        #expect(flags == [LogFormat.flagLZ4, 0])
        let (records, _) = try await reopenAndRead(io)
        #expect(records.map(\.payload) == [text, payload(1, size: 3000)])
    }

    @Test func segmentsRollOverAtTheSizeLimit() async throws {
        let io = FaultInjectingFileIO(seed: 8)
        let written = try await writeLog(io, count: 300, options: testOptions(segmentSize: 4096))
        let segs = try LogReader.segments(directory: logDir, io: io)
        #expect(segs.count > 5)
        for (a, b) in zip(segs, segs.dropFirst()) {
            #expect(b.firstLSN == a.lastLSN + 1)
            #expect(b.number == a.number + 1)
            #expect(a.validBytes <= 4096)
        }
        #expect(segs.last!.isActive)
        #expect(segs.reduce(0) { $0 + $1.recordCount } == 300)
        let (records, _) = try await reopenAndRead(io, options: testOptions(segmentSize: 4096))
        #expect(records == written)
    }

    @Test func oversizedRecordGetsItsOwnSegment() async throws {
        let io = FaultInjectingFileIO(seed: 9)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions(segmentSize: 4096))
        _ = try await log.append(type: 1, payload: payload(1))
        let big = payload(2, size: 10_000)
        _ = try await log.append(type: 1, payload: big)
        _ = try await log.append(type: 1, payload: payload(3))
        try await log.close()
        let segs = try LogReader.segments(directory: logDir, io: io)
        #expect(segs.map(\.recordCount) == [1, 1, 1])
        #expect(try LogReader.records(directory: logDir, io: io).map(\.payload) == [payload(1), big, payload(3)])
    }

    @Test func rotateAndRemoveSegmentsCoveredBySnapshot() async throws {
        let io = FaultInjectingFileIO(seed: 10)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        for i in 0..<5 { _ = try await log.append(type: 1, payload: payload(i)) }
        try log.rotate()
        try log.rotate() // no-op: the new segment is empty
        for i in 5..<10 { _ = try await log.append(type: 1, payload: payload(i)) }
        try log.rotate()
        _ = try await log.append(type: 1, payload: payload(10))
        #expect(log.segments.map(\.lastLSN) == [5, 10, 11])
        #expect(try log.removeSegments(coveredThrough: 4) == [])
        #expect(try log.removeSegments(coveredThrough: 7, archiveTo: "/backup/wal") == ["log-0000000000000001.seg"])
        #expect(io.contents(of: "/backup/wal/log-0000000000000001.seg") != nil)
        #expect(try log.removeSegments(coveredThrough: 100) == ["log-0000000000000002.seg"]) // never the active one
        try await log.close()
        let (records, report) = try await reopenAndRead(io)
        #expect(records.map(\.lsn) == [11])
        #expect(report.firstLSN == 11)
        // Removal was made durable.
        io.simulatePowerLossAndReboot(mode: .dropUnsynced)
        #expect(io.allFiles().filter { $0.hasSuffix(".seg") }.count == 2)
    }

    @Test func secondWriterIsLockedOut() async throws {
        let io = FaultInjectingFileIO(seed: 11)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        let e = #expect(throws: LogError.self) { _ = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions()) }
        #expect(e?.code == .locked)
        try await log.close()
        let (again, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        try await again.close()
    }

    @Test func appendAfterCloseIsReadOnly() async throws {
        let io = FaultInjectingFileIO(seed: 12)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        try await log.close()
        try await log.close()
        let e = await #expect(throws: LogError.self) { _ = try await log.append(type: 1, payload: [1]) }
        #expect(e?.code == .readOnly)
    }

    @Test(arguments: [FsyncPolicy.always, .interval(milliseconds: 5), .off])
    func syncMakesEverythingDurable(_ policy: FsyncPolicy) async throws {
        let io = FaultInjectingFileIO(seed: 13)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions(policy))
        for i in 0..<20 { _ = try await log.append(type: 1, payload: payload(i)) }
        try await log.sync()
        #expect(log.durableLSN == 20)
        io.simulatePowerLoss(mode: .dropUnsynced)
        try? await log.close()
        io.powerOn()
        let (records, _) = try await reopenAndRead(io)
        #expect(records.count == 20)
    }

    @Test func intervalPolicySyncsInTheBackground() async throws {
        let io = FaultInjectingFileIO(seed: 14)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions(.interval(milliseconds: 10)))
        _ = try await log.append(type: 1, payload: [1, 2, 3])
        var waited = 0
        while log.durableLSN < 1, waited < 5000 {
            try await Task.sleep(for: .milliseconds(5))
            waited += 5
        }
        #expect(log.durableLSN == 1)
        try await log.close()
    }
}
