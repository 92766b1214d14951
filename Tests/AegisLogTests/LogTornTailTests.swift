import Testing
@testable import AegisLog

/// R4: a torn final record is truncated, everything before it survives (LevelDB log_test
/// `TruncatedTrailingRecordIsIgnored`, `PartialLastIsIgnored`).
@Suite struct LogTornTailTests {
    @Test(arguments: [false, true])
    func tornTailAtEveryByteOffsetOfTheLastRecord(compressedLast: Bool) async throws {
        let base = FaultInjectingFileIO(seed: 21)
        let written = try await writeLog(base, count: 4)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: base, options: testOptions())
        let last = compressedLast ? [UInt8](repeating: 7, count: 300) : payload(99, size: 90)
        _ = try await log.append(type: 5, payload: last)
        try await log.close()
        let full = base.contents(of: segmentPath(1))!
        let start = recordOffsets(full).last!
        #expect((full[start + 37] == LogFormat.flagLZ4) == compressedLast)
        for cut in start..<full.count {
            let io = FaultInjectingFileIO(seed: UInt64(cut))
            io.setContents(of: segmentPath(1), Array(full[0..<cut]))
            // A reader beside a writer stops at the last complete record, without error.
            let scan = try LogReader.scan(directory: logDir, io: io) { _ in }
            #expect(scan.lastLSN == 4 && scan.tailIgnoredBytes == Int64(cut - start))
            let (records, report) = try await reopenAndRead(io)
            #expect(records == written, "cut at \(cut)")
            #expect(report.truncatedBytes == Int64(cut - start), "cut at \(cut)")
            #expect(report.truncatedOffset == (cut > start ? Int64(start) : nil))
            #expect(io.contents(of: segmentPath(1))!.count == start)
            // The log continues where the valid prefix ends.
            let (again, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
            #expect(try await again.append(type: 1, payload: [1]).lsn == 5)
            try await again.close()
        }
    }

    @Test(arguments: [1, 7, 39, 40, 41, 512, 4096])
    func zerosAppendedAreATornTail(count: Int) async throws {
        let io = FaultInjectingFileIO(seed: 22)
        let written = try await writeLog(io, count: 10)
        io.setContents(of: segmentPath(1), io.contents(of: segmentPath(1))! + [UInt8](repeating: 0, count: count))
        let (records, report) = try await reopenAndRead(io)
        #expect(records == written)
        #expect(report.truncatedBytes == Int64(count))
        #expect(report.droppedValidRecords == 0)
    }

    @Test func randomGarbageAppendedIsATornTail() async throws {
        var rng = SplitMix64(seed: 23)
        let base = FaultInjectingFileIO(seed: 23)
        let written = try await writeLog(base, count: 10)
        let full = base.contents(of: segmentPath(1))!
        for _ in 0..<60 {
            let n = 1 + Int(rng.next() % 2000)
            let garbage = (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let io = FaultInjectingFileIO(seed: 1)
            io.setContents(of: segmentPath(1), full + garbage)
            let (records, report) = try await reopenAndRead(io)
            #expect(records == written)
            #expect(report.truncatedBytes == Int64(n))
        }
    }

    @Test func checksumMismatchInTheLastRecordIsATornTail() async throws {
        let io = FaultInjectingFileIO(seed: 24)
        let written = try await writeLog(io, count: 6)
        var bytes = io.contents(of: segmentPath(1))!
        let last = recordOffsets(bytes).last!
        bytes[last + 45] ^= 0x01
        io.setContents(of: segmentPath(1), bytes)
        let (records, report) = try await reopenAndRead(io)
        #expect(records == Array(written.dropLast()))
        #expect(report.truncatedOffset == Int64(last))
        #expect(report.truncationReason?.contains("checksum") == true)
    }

    /// A power loss can garble an unsynced record while a later one of the same write group
    /// lands intact: that later record was never fsynced before the bad one, so it is a tail.
    @Test func validRecordAfterUnsyncedGarbageIsDroppedAsTail() async throws {
        let io = FaultInjectingFileIO(seed: 25)
        let written = try await writeLog(io, count: 3)
        var bytes = io.contents(of: segmentPath(1))!
        let end = Int64(bytes.count)
        // Two records written in one group after the last fsync at `end`: first garbled, second intact.
        bytes += [UInt8](repeating: 0xAB, count: 60)
        bytes += craftRecord(lsn: 5, type: 1, payload: [1, 2, 3], syncedThrough: end)
        io.setContents(of: segmentPath(1), bytes)
        let (records, report) = try await reopenAndRead(io)
        #expect(records == written)
        #expect(report.droppedValidRecords == 1)
        #expect(report.truncatedOffset == end)
    }
}
