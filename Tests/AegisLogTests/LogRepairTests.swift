import Testing
@testable import AegisLog

@Suite struct LogRepairTests {
    @Test func repairSalvagesThePrefixAndQuarantinesTheRest() async throws {
        let options = testOptions(segmentSize: 4096)
        let io = FaultInjectingFileIO(seed: 71)
        let written = try await writeLog(io, count: 60, options: options)
        let seg2 = io.contents(of: segmentPath(2))!
        let offsets = recordOffsets(seg2)
        var damaged = seg2
        damaged[offsets[3] + 44] ^= 0x10
        io.setContents(of: segmentPath(2), damaged)
        let error = expectCorruption(io, options: options)
        let badLSN = error!.lsn!
        let lastSegment = io.allFiles().filter { $0.hasSuffix(".seg") }.sorted().last!

        let report = try LogRepair.repair(directory: logDir, io: io)
        #expect(report.repaired)
        #expect(report.salvagedThroughLSN == badLSN - 1)
        #expect(report.quarantined.count >= 2)
        #expect(report.quarantined.allSatisfy { $0.hasPrefix(logDir + "/quarantine/") })
        // The cut-off bytes are kept, byte for byte.
        let tail = report.quarantined.first { $0.contains(".from-\(offsets[3]).") }!
        #expect(io.contents(of: tail) == Array(damaged[offsets[3]...]))
        #expect(!io.fileExists(lastSegment))
        #expect(report.quarantinedBytes > Int64(damaged.count - offsets[3]))

        let (records, _) = try await reopenAndRead(io, options: options)
        #expect(records == Array(written.prefix(Int(badLSN - 1))))
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: options)
        #expect(try await log.append(type: 1, payload: [1]).lsn == badLSN)
        try await log.close()
    }

    @Test func repairOfABadSegmentHeaderQuarantinesTheWholeSegment() async throws {
        let options = testOptions(segmentSize: 4096)
        let io = FaultInjectingFileIO(seed: 72)
        let written = try await writeLog(io, count: 60, options: options)
        let segs = try LogReader.segments(directory: logDir, io: io)
        var bad = io.contents(of: segmentPath(2))!
        bad[3] = 0
        io.setContents(of: segmentPath(2), bad)
        let report = try LogRepair.repair(directory: logDir, io: io)
        #expect(report.salvagedThroughLSN == segs[0].lastLSN)
        #expect(report.quarantined.count == segs.count - 1)
        let (records, _) = try await reopenAndRead(io, options: options)
        #expect(records == Array(written.prefix(Int(segs[0].lastLSN))))
    }

    @Test func repairOfACleanLogChangesNothing() async throws {
        let io = FaultInjectingFileIO(seed: 73)
        _ = try await writeLog(io, count: 10)
        let before = io.allFiles().map { io.contents(of: $0)! }
        let report = try LogRepair.repair(directory: logDir, io: io)
        #expect(!report.repaired)
        #expect(report.quarantined.isEmpty)
        #expect(report.salvagedThroughLSN == 10)
        #expect(io.allFiles().map { io.contents(of: $0)! } == before)
    }

    @Test func repairCutsATornTail() async throws {
        let io = FaultInjectingFileIO(seed: 74)
        let written = try await writeLog(io, count: 10)
        io.setContents(of: segmentPath(1), io.contents(of: segmentPath(1))! + [9, 9, 9])
        let report = try LogRepair.repair(directory: logDir, io: io)
        #expect(report.repaired)
        #expect(report.quarantinedBytes == 3)
        #expect(try LogReader.records(directory: logDir, io: io) == written)
    }

    @Test func repairRefusesWhileAWriterHoldsTheLock() async throws {
        let io = FaultInjectingFileIO(seed: 75)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        let e = #expect(throws: LogError.self) { _ = try LogRepair.repair(directory: logDir, io: io) }
        #expect(e?.code == .locked)
        try await log.close()
    }
}
