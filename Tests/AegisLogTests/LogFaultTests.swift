#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import AegisLog

/// R8, R9, R10: failed fsync/write, disk full, and the I/O error countdown.
@Suite struct LogFaultTests {
    @Test(arguments: [FaultInjectingFileIO.Operation.fsync, .write])
    func failedFsyncOrWriteIsNeverAcknowledgedAndTheLogTurnsReadOnly(_ op: FaultInjectingFileIO.Operation) async throws {
        let io = FaultInjectingFileIO(seed: 61)
        let before = try await writeLog(io, count: 5)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        io.failNth(op, 1)
        let e = await #expect(throws: LogError.self) { _ = try await log.append(type: 1, payload: [1, 2, 3]) }
        #expect(e?.code == .io)
        #expect(log.failure?.code == .io)
        // Transient fault, but the log stays read-only: a failed fsync may have dropped pages.
        let again = await #expect(throws: LogError.self) { _ = try await log.append(type: 1, payload: [4]) }
        #expect(again?.code == .readOnly)
        await #expect(throws: LogError.self) { try await log.sync() }
        // Reads keep working beside it.
        #expect(try LogReader.records(directory: logDir, io: io).prefix(5) == before[...])
        try? await log.close()
        // After restart the state is the log's state: the 5 acknowledged records, and the failed
        // one only if it is whole.
        let (records, _) = try await reopenAndRead(io)
        #expect(Array(records.prefix(5)) == before)
        #expect(records.count <= 6)
    }

    @Test func diskFullIsReportedRolledBackAndWritesResumeWhenSpaceIsFreed() async throws {
        let io = FaultInjectingFileIO(seed: 62)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions())
        var acked: [LogRecord] = []
        for i in 0..<5 { acked.append(try await log.append(type: 1, payload: payload(i))) }
        let sizeBefore = io.contents(of: segmentPath(1))!.count
        io.diskCapacity = io.usedBytes + 150
        var full: LogError?
        for i in 5..<20 {
            do { acked.append(try await log.append(type: 1, payload: payload(i, size: 100))) } catch let e as LogError { full = e; break }
        }
        #expect(full?.code == .diskFull)
        #expect(log.failure == nil)
        // Nothing partial left behind: the file ends at the last acknowledged record.
        let bytes = io.contents(of: segmentPath(1))!
        #expect(bytes.count >= sizeBefore)
        #expect(recordOffsets(bytes).count == acked.count)
        #expect(try LogReader.scan(directory: logDir, io: io) { _ in }.tailIgnoredBytes == 0)
        // Reads keep working.
        #expect(try LogReader.records(directory: logDir, io: io) == acked)
        // Still full: still refused, still writable afterwards.
        await #expect(throws: LogError.self) { _ = try await log.append(type: 1, payload: payload(1, size: 500)) }
        io.diskCapacity = nil
        let next = try await log.append(type: 1, payload: [7])
        #expect(next.lsn == UInt64(acked.count + 1))
        acked.append(next)
        try await log.close()
        let (records, report) = try await reopenAndRead(io)
        #expect(records == acked)
        #expect(report.truncatedBytes == 0)
    }

    @Test func diskFullWhileCreatingTheNextSegment() async throws {
        let io = FaultInjectingFileIO(seed: 63)
        let options = testOptions(segmentSize: 4096)
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: options)
        var acked: [LogRecord] = []
        // Fill the first segment close to its limit.
        while io.contents(of: segmentPath(1))!.count < 3900 { acked.append(try await log.append(type: 1, payload: payload(acked.count, size: 60))) }
        io.diskCapacity = io.usedBytes + 20  // the new segment's 40-byte header cannot be written
        let e = await #expect(throws: LogError.self) { _ = try await log.append(type: 1, payload: payload(1, size: 300)) }
        #expect(e?.code == .diskFull)
        #expect(!io.fileExists(segmentPath(2)) && !io.fileExists(segmentPath(2) + ".tmp"))
        io.diskCapacity = nil
        acked.append(try await log.append(type: 1, payload: payload(2, size: 300)))
        #expect(acked.last!.lsn == UInt64(acked.count))
        try await log.close()
        #expect(try LogReader.records(directory: logDir, io: io) == acked)
    }

    /// SQLite ioerr.test style: fail the Nth operation of each kind, transiently or persistently,
    /// during open + appends + rotation + close. After the fault is cleared (and a power loss),
    /// the log opens, holds every acknowledged record, and is a clean prefix: state ∈ {before, after}.
    @Test(arguments: [FaultInjectingFileIO.Operation.write, .fsync, .rename, .ftruncate, .directoryFsync, .open, .read])
    func ioErrorCountdown(_ op: FaultInjectingFileIO.Operation) async throws {
        let options = testOptions(segmentSize: 4096)
        let limit = tortureEnabled ? 120 : 40
        var n = 1
        var sawFault = true
        while sawFault, n <= limit {
            for persistent in [false, true] {
                let io = FaultInjectingFileIO(seed: UInt64(n))
                var acked = try await writeLog(io, count: 8, options: options)
                // A torn tail, so that open has to truncate (ftruncate).
                io.setContents(of: segmentPath(1), io.contents(of: segmentPath(1))! + [1, 2, 3, 4, 5])
                let faultsBefore = io.operationCount(op)
                io.failNth(op, n, persistent: persistent)
                do {
                    let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: options)
                    for i in 0..<30 {
                        do { acked.append(try await log.append(type: 1, payload: payload(i, size: 150))) } catch { break }
                    }
                    try? log.rotate()
                    try? await log.close()
                } catch {}
                sawFault = io.operationCount(op) - faultsBefore >= n
                io.clearFaults()
                io.simulatePowerLossAndReboot(mode: .mixed)
                let (records, _) = try await reopenAndRead(io, options: options)
                #expect(records.count >= acked.count, "\(op) #\(n) persistent=\(persistent): lost acknowledged records")
                #expect(Array(records.prefix(acked.count)) == acked, "\(op) #\(n) persistent=\(persistent)")
            }
            n += 1
        }
    }
}
