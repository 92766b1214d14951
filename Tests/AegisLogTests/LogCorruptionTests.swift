import Testing
@testable import AegisLog

/// R5 / R6: corruption is refused with file, offset and LSN; hostile fields never crash.
@Suite struct LogCorruptionTests {
    /// A bad record followed by a valid one (fsynced after it) is mid-log corruption.
    @Test func midLogChecksumMismatchIsRefusedWithFileOffsetAndLSN() async throws {
        let io = FaultInjectingFileIO(seed: 31)
        _ = try await writeLog(io, count: 10)
        var bytes = io.contents(of: segmentPath(1))!
        let offsets = recordOffsets(bytes)
        bytes[offsets[3] + 50] ^= 0x40
        io.setContents(of: segmentPath(1), bytes)
        let e = expectCorruption(io)
        #expect(e?.file == segmentPath(1))
        #expect(e?.offset == Int64(offsets[3]))
        #expect(e?.lsn == 4)
        #expect(e?.message.contains("mid-log corruption") == true)
        // Readers refuse too.
        #expect(throws: LogError.self) { try LogReader.scan(directory: logDir, io: io) { _ in } }
        // Nothing was modified by the refused open.
        #expect(io.contents(of: segmentPath(1)) == bytes)
    }

    @Test func corruptionInASealedSegmentIsRefusedEvenInItsLastRecord() async throws {
        let io = FaultInjectingFileIO(seed: 32)
        _ = try await writeLog(io, count: 60, options: testOptions(segmentSize: 4096))
        var bytes = io.contents(of: segmentPath(1))!
        let last = recordOffsets(bytes).last!
        bytes[bytes.count - 1] ^= 0x01
        io.setContents(of: segmentPath(1), bytes)
        let e = expectCorruption(io, options: testOptions(segmentSize: 4096))
        #expect(e?.file == segmentPath(1))
        #expect(e?.offset == Int64(last))
    }

    @Test func bitFlipsAtRandomOffsetsAreAllDetected() async throws {
        let flips = tortureEnabled ? 10_000 : 1_000
        let options = testOptions(segmentSize: 4096)
        let base = FaultInjectingFileIO(seed: 33)
        let written = try await writeLog(base, count: 40, options: options)
        let files = base.allFiles().filter { $0.hasSuffix(".seg") }.sorted()
        let contents = files.map { base.contents(of: $0)! }
        let totalBytes = contents.reduce(0) { $0 + $1.count }
        var rng = SplitMix64(seed: 33)
        var refused = 0, truncated = 0
        for _ in 0..<flips {
            var at = Int(rng.next() % UInt64(totalBytes))
            var f = 0
            while at >= contents[f].count { at -= contents[f].count; f += 1 }
            var damaged = contents[f]
            damaged[at] ^= UInt8(1) << (rng.next() % 8)
            let io = FaultInjectingFileIO(seed: 1)
            for (k, path) in files.enumerated() { io.setContents(of: path, k == f ? damaged : contents[k]) }
            let offsets = recordOffsets(contents[f])
            let recordStart = offsets.last(where: { $0 <= at })
            let inLastRecordOfLog = f == files.count - 1 && recordStart == offsets.last && at >= LogFormat.segmentHeaderSize
            do {
                let (records, report) = try await reopenAndRead(io, options: options)
                // Only a flip in the very last record may open, as a reported torn tail.
                #expect(inLastRecordOfLog, "flip at \(files[f]):\(at) was accepted")
                #expect(records == Array(written.dropLast()))
                #expect(report.truncatedOffset == Int64(recordStart ?? -1))
                truncated += 1
            } catch let e as LogError {
                #expect(!inLastRecordOfLog)
                #expect(e.code == .corruption, "\(e)")
                #expect(e.file == files[f])
                if at >= LogFormat.segmentHeaderSize {
                    #expect(e.offset == Int64(recordStart!), "flip at \(at): \(e)")
                }
                refused += 1
            }
        }
        #expect(refused + truncated == flips)
        #expect(refused > flips / 2)
    }

    @Test(arguments: [UInt8(0), 128, 200, 255])
    func badRecordTypeIsCorruption(type: UInt8) async throws {
        let io = FaultInjectingFileIO(seed: 34)
        _ = try await writeLog(io, count: 3)
        let bytes = io.contents(of: segmentPath(1))!
        io.setContents(of: segmentPath(1), bytes + craftRecord(lsn: 4, type: type, payload: [1, 2], syncedThrough: Int64(bytes.count)))
        let e = expectCorruption(io)
        #expect(e?.message.contains("bad record type \(type)") == true)
        #expect(e?.offset == Int64(bytes.count))
        #expect(e?.lsn == 4)
    }

    @Test func unknownFlagsAndReservedBitsAreCorruption() async throws {
        for (flags, expected) in [(UInt8(0x02), "unknown record flags"), (0x80, "unknown record flags")] {
            let io = FaultInjectingFileIO(seed: 35)
            _ = try await writeLog(io, count: 2)
            let bytes = io.contents(of: segmentPath(1))!
            io.setContents(of: segmentPath(1), bytes + craftRecord(lsn: 3, type: 1, payload: [9], flags: flags))
            #expect(expectCorruption(io)?.message.contains(expected) == true)
        }
    }

    @Test(arguments: [UInt64(2), 3, 7, 1000])
    func lsnGoingBackwardsOrJumpingIsCorruption(lsn: UInt64) async throws {
        let io = FaultInjectingFileIO(seed: 36)
        _ = try await writeLog(io, count: 5)
        let bytes = io.contents(of: segmentPath(1))!
        io.setContents(of: segmentPath(1), bytes + craftRecord(lsn: lsn, type: 1, payload: [1]))
        let e = expectCorruption(io)
        #expect(e?.lsn == 6)
        #expect(e?.message.contains(lsn < 6 ? "going backwards" : "gap") == true)
    }

    @Test(arguments: [UInt32.max, 1 << 27, 65_000])
    func hostileLengthMidLogIsRefused(length: UInt32) async throws {
        let io = FaultInjectingFileIO(seed: 37)
        var o = testOptions()
        o.maxRecordSize = 1 << 20
        _ = try await writeLog(io, count: 8, options: o)
        var bytes = io.contents(of: segmentPath(1))!
        let at = recordOffsets(bytes)[2]
        bytes.withUnsafeMutableBytes { LE.put(length, $0, at + 8) }
        io.setContents(of: segmentPath(1), bytes)
        let e = expectCorruption(io, options: o)
        #expect(e?.offset == Int64(at))
        #expect(e?.lsn == 3)
    }

    @Test(arguments: [UInt32.max, 1 << 27, 65_000])
    func hostileLengthInTheLastRecordIsATornTail(length: UInt32) async throws {
        let io = FaultInjectingFileIO(seed: 38)
        let written = try await writeLog(io, count: 4)
        var bytes = io.contents(of: segmentPath(1))!
        let at = recordOffsets(bytes).last!
        bytes.withUnsafeMutableBytes { LE.put(length, $0, at + 12) }
        io.setContents(of: segmentPath(1), bytes)
        let (records, report) = try await reopenAndRead(io)
        #expect(records == Array(written.dropLast()))
        #expect(report.truncatedOffset == Int64(at))
    }

    /// A record with a valid checksum whose LZ4 block claims a huge or wrong size.
    @Test func decompressionBombIsRejected() async throws {
        let io = FaultInjectingFileIO(seed: 39)
        _ = try await writeLog(io, count: 2)
        let bytes = io.contents(of: segmentPath(1))!
        let block = try LZ4Block.compress([UInt8](repeating: 0, count: 100_000))
        // Claims 100 bytes: LZ4 would need to write 100,000. Valid checksum, so corruption at replay.
        let liar = craftRecord(lsn: 3, type: 1, payload: block, flags: LogFormat.flagLZ4, rawLength: 100, syncedThrough: Int64(bytes.count))
        io.setContents(of: segmentPath(1), bytes + liar)
        let e = #expect(throws: LogError.self) { _ = try LogReader.records(directory: logDir, io: io) }
        #expect(e?.code == .corruption)
        #expect(e?.lsn == 3)
        // Claims more than the maximum: never allocated, the record is refused.
        var o = testOptions()
        o.maxRecordSize = 50_000
        let bomb = craftRecord(lsn: 3, type: 1, payload: block, flags: LogFormat.flagLZ4, rawLength: 100_000, syncedThrough: Int64(bytes.count))
        io.setContents(of: segmentPath(1), bytes + bomb + craftRecord(lsn: 4, type: 1, payload: [1], syncedThrough: Int64(bytes.count + bomb.count)))
        let e2 = expectCorruption(io, options: o)
        #expect(e2?.lsn == 3)
        #expect(e2?.message.contains("exceeds the maximum") == true)
    }

    @Test func badSegmentHeaderIsRefused() async throws {
        let options = testOptions(segmentSize: 4096)
        let base = FaultInjectingFileIO(seed: 40)
        _ = try await writeLog(base, count: 60, options: options)
        let seg2 = base.contents(of: segmentPath(2))!
        var cases: [(String, [UInt8])] = []
        var m = seg2; m[0] = UInt8(ascii: "X"); cases.append(("magic", m))
        var c = seg2; c[20] ^= 1; cases.append(("checksum", c))
        cases.append(("20 bytes", Array(seg2[0..<20])))
        cases.append(("0 bytes", []))
        var wrongNumber = SegmentHeader(segmentNumber: 7, firstLSN: seg2.withUnsafeBytes { LE.u64($0, 24) }).encode()
        wrongNumber += seg2[40...]
        cases.append(("file name says", wrongNumber))
        var wrongLSN = SegmentHeader(segmentNumber: 2, firstLSN: 999).encode()
        wrongLSN += seg2[40...]
        cases.append(("previous segment ends", wrongLSN))
        for (expected, bytes) in cases {
            let io = FaultInjectingFileIO(seed: 1)
            for path in base.allFiles() { io.setContents(of: path, base.contents(of: path)!) }
            io.setContents(of: segmentPath(2), bytes)
            let e = expectCorruption(io, options: options)
            #expect(e?.file == segmentPath(2), "\(expected)")
            #expect(e?.message.contains(expected) == true, "\(expected): \(String(describing: e))")
        }
    }

    @Test func missingMiddleSegmentIsRefused() async throws {
        let options = testOptions(segmentSize: 4096)
        let io = FaultInjectingFileIO(seed: 41)
        _ = try await writeLog(io, count: 60, options: options)
        try io.unlink(segmentPath(2))
        let e = expectCorruption(io, options: options)
        #expect(e?.file == segmentPath(2))
        #expect(e?.message.contains("missing") == true)
    }

    @Test func debrisIsCleanedOnOpen() async throws {
        let io = FaultInjectingFileIO(seed: 42)
        let written = try await writeLog(io, count: 5)
        io.setContents(of: segmentPath(2) + ".tmp", [1, 2, 3])
        io.setContents(of: logDir + "/whatever.tmp", [])
        io.setContents(of: logDir + "/README", [1])
        let (records, report) = try await reopenAndRead(io)
        #expect(records == written)
        #expect(report.removedTemporaryFiles.sorted() == ["log-0000000000000002.seg.tmp", "whatever.tmp"])
        #expect(!io.fileExists(segmentPath(2) + ".tmp"))
        #expect(io.fileExists(logDir + "/README"))
        // Readers ignore debris and never remove it.
        io.setContents(of: segmentPath(2) + ".tmp", [1, 2, 3])
        #expect(try LogReader.records(directory: logDir, io: io) == written)
        #expect(io.fileExists(segmentPath(2) + ".tmp"))
    }

    @Test func hostileBytesNeverCrashTheReader() async throws {
        var rng = SplitMix64(seed: 43)
        for round in 0..<300 {
            let io = FaultInjectingFileIO(seed: UInt64(round))
            var bytes = SegmentHeader(segmentNumber: 1, firstLSN: 1).encode()
            let n = Int(rng.next() % 400)
            for _ in 0..<n { bytes.append(UInt8(truncatingIfNeeded: rng.next() % 4 == 0 ? 0xFF : rng.next())) }
            io.setContents(of: segmentPath(1), bytes)
            _ = try? LogReader.records(directory: logDir, io: io)
            _ = try? LogRepair.repair(directory: logDir, io: io)
        }
    }
}
