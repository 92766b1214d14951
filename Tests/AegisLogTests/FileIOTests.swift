import Foundation
import Testing
@testable import AegisLog

@Suite struct PosixFileIOTests {
    @Test func basicOperations() throws {
        let dir = tempDirectory("posix")
        let io = PosixFileIO()
        let nested = dir + "/a/b"
        try io.makeDirectory(nested)
        #expect(io.isDirectory(nested))
        let path = nested + "/f"
        let h = try io.open(path, mode: .createNew)
        #expect(throws: LogError.self) { _ = try io.open(path, mode: .createNew) }
        try io.pwrite(h, [1, 2, 3, 4], at: 0)
        #expect(try io.append(h, [5, 6]) == 4)
        try io.fsync(h)
        try io.fdatasync(h)
        #expect(try io.fileSize(h) == 6)
        #expect(try io.pread(h, count: 10, at: 2) == [3, 4, 5, 6])
        try io.ftruncate(h, to: 3)
        #expect(try io.fileSize(atPath: path) == 3)
        try io.close(h)
        #expect(try io.readWholeFile(path, maxSize: 100).bytes == [1, 2, 3])
        #expect(throws: LogError.self) { _ = try io.readWholeFile(path, maxSize: 2) }
        try io.rename(path, to: nested + "/g")
        try io.fsyncDirectory(nested)
        #expect(try io.listDirectory(nested) == ["g"])
        try io.unlink(nested + "/g")
        #expect(try io.fileSize(atPath: nested + "/g") == nil)
        let e = #expect(throws: LogError.self) { _ = try io.open(nested + "/missing", mode: .readOnly) }
        #expect(e?.code == .notFound)
        try io.writeFileAtomically(nested + "/atomic", [9, 9])
        #expect(try io.readWholeFile(nested + "/atomic", maxSize: 10).bytes == [9, 9])
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func exclusiveLockIsExclusive() throws {
        let dir = tempDirectory("lock")
        let io = PosixFileIO()
        let lock = try io.lockExclusive(dir + "/LOCK")
        let e = #expect(throws: LogError.self) { _ = try io.lockExclusive(dir + "/LOCK") }
        #expect(e?.code == .locked)
        try io.close(lock)
        try io.close(try io.lockExclusive(dir + "/LOCK"))
        try? FileManager.default.removeItem(atPath: dir)
    }

    @Test func logOnRealFilesSurvivesATornTail() async throws {
        let dir = tempDirectory("wal")
        let io = PosixFileIO()
        let written = try await writeLog(io, count: 30, dir: dir)
        let seg = IOPath.join(dir, LogFormat.segmentFileName(1))
        let h = try io.open(seg, mode: .readWrite)
        try io.ftruncate(h, to: try io.fileSize(h) - 7)
        try io.close(h)
        let (records, report) = try await reopenAndRead(io, dir: dir)
        #expect(records == Array(written.dropLast()))
        #expect(report.truncatedBytes > 0)
        try? FileManager.default.removeItem(atPath: dir)
    }
}

@Suite struct FaultInjectingFileIOTests {
    @Test func unsyncedBytesAndEntriesAreLostInAPowerLoss() throws {
        let io = FaultInjectingFileIO(seed: 91)
        try io.makeDirectory("/d")
        let a = try io.open("/d/a", mode: .create)
        try io.pwrite(a, [1, 2, 3], at: 0)
        try io.fsync(a)
        try io.fsyncDirectory("/d")
        try io.append(a, [4, 5])
        let b = try io.open("/d/b", mode: .create)
        try io.pwrite(b, [7], at: 0)
        try io.fsync(b) // data synced, but the directory entry is not
        io.simulatePowerLoss(mode: .dropUnsynced)
        #expect(throws: LogError.self) { _ = try io.listDirectory("/d") }
        #expect(throws: LogError.self) { try io.fsync(a) }
        io.powerOn()
        #expect(try io.listDirectory("/d") == ["a"])
        #expect(io.contents(of: "/d/a") == [1, 2, 3])
    }

    @Test func renameWithoutDirectoryFsyncReverts() throws {
        let io = FaultInjectingFileIO(seed: 92)
        io.setContents(of: "/d/x.tmp", [1])
        try io.rename("/d/x.tmp", to: "/d/x")
        io.simulatePowerLossAndReboot(mode: .dropUnsynced)
        #expect(try io.listDirectory("/d") == ["x.tmp"])
        try io.rename("/d/x.tmp", to: "/d/x")
        try io.fsyncDirectory("/d")
        io.simulatePowerLossAndReboot(mode: .dropUnsynced)
        #expect(try io.listDirectory("/d") == ["x"])
    }

    @Test func keepRandomPrefixAndGarbleStayWithinTheUnsyncedRange() throws {
        for seed in 0..<50 {
            for mode in [FaultInjectingFileIO.PowerLossMode.keepRandomPrefix, .garbleUnsynced] {
                let io = FaultInjectingFileIO(seed: UInt64(seed))
                io.setContents(of: "/f", [UInt8](repeating: 1, count: 700))
                let h = try io.open("/f", mode: .readWrite)
                try io.append(h, [UInt8](repeating: 2, count: 1500))
                io.simulatePowerLossAndReboot(mode: mode)
                let after = io.contents(of: "/f")!
                #expect(after.count >= 700 && after.count <= 2200)
                #expect(after.prefix(700).allSatisfy { $0 == 1 })
                if mode == .keepRandomPrefix { #expect(after.dropFirst(700).allSatisfy { $0 == 2 }) }
            }
        }
    }

    @Test func nthFaultTransientAndPersistent() throws {
        let io = FaultInjectingFileIO(seed: 93)
        let h = try io.open("/f", mode: .create)
        io.failNth(.write, 2)
        try io.append(h, [1])
        #expect(throws: LogError.self) { try io.append(h, [2]) }
        try io.append(h, [3])
        io.failNth(.fsync, 1, persistent: true)
        #expect(throws: LogError.self) { try io.fsync(h) }
        #expect(throws: LogError.self) { try io.fsync(h) }
        io.clearFaults()
        try io.fsync(h)
    }

    @Test func diskCapacityGivesENOSPCAfterWritingWhatFits() throws {
        let io = FaultInjectingFileIO(seed: 94)
        io.diskCapacity = 10
        let h = try io.open("/f", mode: .create)
        let e = #expect(throws: LogError.self) { try io.append(h, [UInt8](repeating: 1, count: 25)) }
        #expect(e?.code == .diskFull)
        #expect(io.contents(of: "/f")!.count == 10)
        try io.ftruncate(h, to: 0)
        try io.append(h, [1, 2, 3])
    }
}
