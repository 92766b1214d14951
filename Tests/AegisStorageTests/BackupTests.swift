import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation
import Testing

/// Online backup, point-in-time restore and backup verification (issue 7, reliability R11).
@Suite struct BackupTests {
    /// Commits a mixed history (puts, votes, deletes, deprecations) with checkpoints in between;
    /// returns (lsn, events) per commit in order.
    static func writeHistory(_ store: Store, _ fx: inout Fixture, commits: Int, checkpointEvery: Int) async throws -> [(UInt64, [StoreEvent])] {
        var history: [(UInt64, [StoreEvent])] = []
        var live: [Memory] = []
        for i in 0..<commits {
            var events: [StoreEvent]
            switch i % 6 {
            case 3 where !live.isEmpty:
                let m = live[Int(fx.next() % UInt64(live.count))]
                events = [.vote(Vote(id: fx.id(), memoryId: m.id, projectId: m.projectId, voterAgentId: "v", vote: .helpful, createdAt: fx.tick()))]
            case 5 where live.count > 3:
                let m = live.remove(at: Int(fx.next() % UInt64(live.count)))
                events = [.memoryDelete(projectId: m.projectId, id: m.id)]
            case 4 where !live.isEmpty:
                let m = live[Int(fx.next() % UInt64(live.count))]
                events = [.memoryDeprecate(MemoryDeprecation(projectId: m.projectId, id: m.id, at: fx.tick(), deprecatedBy: "x"))]
            default:
                let a = fx.memory(agent: "a"), b = fx.memory(agent: "b", namespace: "ns2")
                live += [a, b]
                events = [.memoryPut(a), .memoryPut(b)]
            }
            let lsn = try await store.commit(events)
            history.append((lsn, events))
            if checkpointEvery > 0, i % checkpointEvery == checkpointEvery - 1 { _ = try await store.checkpoint() }
        }
        return history
    }

    /// The state after `lsn`, built by committing the same events into a fresh store.
    final class Twin {
        let dir = TempDir("twin")
        let store: Store
        var applied = 0
        init() async throws { store = try await Store.open(directory: dir.path, options: storeOptions()) }
        func advance(to lsn: UInt64, _ history: [(UInt64, [StoreEvent])]) async throws -> [String] {
            while applied < history.count, history[applied].0 <= lsn {
                try await store.commit(history[applied].1)
                applied += 1
            }
            return dump(store)
        }
        func close() async { try? await store.close(); dir.cleanup() }
    }

    func restoredDump(_ backup: String, _ target: Backup.Target) async throws -> (Backup.RestoreReport, [String]) {
        let dir = TempDir("restored"); defer { dir.cleanup() }
        let report = try Backup.restore(backupDirectory: backup, dataDirectory: dir.path, target: target)
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        #expect(store.lastLSN == report.lsn)
        let d = dump(store)
        try await store.close()
        return (report, d)
    }

    @Test func backupUnderConcurrentWritesRestoresToItsEndLSN() async throws {
        let src = TempDir("src"), out = TempDir("backup"); defer { src.cleanup(); out.cleanup() }
        var fx = Fixture(seed: 11)
        let store = try await Store.open(directory: src.path, options: storeOptions(segmentSize: 16 << 10))
        var history = try await Self.writeHistory(store, &fx, commits: 60, checkpointEvery: 25)
        // Keep writing (and checkpointing) while the backup copies files.
        var fx2 = Fixture(seed: 12)
        let writer = Task { [fx2] in
            var f = fx2
            return try await Self.writeHistory(store, &f, commits: 150, checkpointEvery: 40)
        }
        _ = fx2.next()
        let manifest = try Backup.create(dataDirectory: src.path, backupDirectory: out.path + "/b1")
        history += try await writer.value
        try await store.close()
        #expect(manifest.endLSN >= manifest.snapshotLSN)
        #expect(try Backup.verify(backupDirectory: out.path + "/b1").isEmpty)

        let (report, restored) = try await restoredDump(out.path + "/b1", .end)
        #expect(report.lsn == manifest.endLSN)
        let twin = try await Twin()
        let expected = try await twin.advance(to: manifest.endLSN, history)
        await twin.close()
        #expect(restored == expected)
    }

    @Test func pointInTimeRestoresMatchTheHistory() async throws {
        let src = TempDir("src"), out = TempDir("backup"); defer { src.cleanup(); out.cleanup() }
        var fx = Fixture(seed: 21)
        let store = try await Store.open(directory: src.path, options: storeOptions(segmentSize: 8 << 10))
        var history = try await Self.writeHistory(store, &fx, commits: 30, checkpointEvery: 0)
        _ = try await store.checkpoint()
        history += try await Self.writeHistory(store, &fx, commits: 120, checkpointEvery: 0)
        let b = out.path + "/b"
        let manifest = try Backup.create(dataDirectory: src.path, backupDirectory: b)
        try await store.close()
        #expect(manifest.snapshotLSN > 0 && manifest.endLSN == history.last!.0)
        // Commit times from the log, for time targets.
        var times: [UInt64: Int64] = [:]
        try LogReader.scan(directory: b + "/log", io: PosixFileIO(), fromLSN: manifest.snapshotLSN + 1) { times[$0.lsn] = $0.timestamp }

        var rng = SplitMix64(seed: 5)
        var targets: [(UInt64, Backup.Target)] = [(manifest.snapshotLSN, .lsn(manifest.snapshotLSN)), (manifest.endLSN, .end)]
        let window = manifest.snapshotLSN...manifest.endLSN
        let rounds = ProcessInfo.processInfo.environment["AEGIS_TORTURE"] == "1" ? 200 : 48
        for k in 0..<rounds {
            let l = UInt64.random(in: window, using: &rng)
            if k % 2 == 0 || l == manifest.snapshotLSN {
                targets.append((l, .lsn(l)))
            } else {
                // A time between record l and the next one maps to l (or to the last record sharing l's time).
                let t = times[l]!
                let last = times.filter { $0.value <= t }.keys.max()!
                targets.append((last, .time(Timestamp(microseconds: t))))
            }
        }
        targets.sort { $0.0 < $1.0 }
        let twin = try await Twin()
        for (lsn, target) in targets {
            let expected = try await twin.advance(to: lsn, history)
            let (report, got) = try await restoredDump(b, target)
            #expect(report.lsn == lsn, "target \(target)")
            #expect(got == expected, "target \(target)")
        }
        await twin.close()
        // Outside the window.
        let dir = TempDir("x"); defer { dir.cleanup() }
        #expect(throws: AegisError.self) { try Backup.restore(backupDirectory: b, dataDirectory: dir.path, target: .lsn(manifest.endLSN + 1)) }
        #expect(throws: AegisError.self) { try Backup.restore(backupDirectory: b, dataDirectory: dir.path, target: .time(Timestamp(seconds: 1))) }
    }

    @Test func restoreRefusesANonEmptyDirectoryWithoutForce() async throws {
        let src = TempDir("src"), out = TempDir("backup"), dst = TempDir("dst"); defer { src.cleanup(); out.cleanup(); dst.cleanup() }
        var fx = Fixture(seed: 3)
        let store = try await Store.open(directory: src.path, options: storeOptions())
        _ = try await Self.writeHistory(store, &fx, commits: 10, checkpointEvery: 0)
        try await store.close()
        _ = try Backup.create(dataDirectory: src.path, backupDirectory: out.path + "/b")
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: dst.path + "/precious.txt"))
        #expect(throws: AegisError.self) { try Backup.restore(backupDirectory: out.path + "/b", dataDirectory: dst.path) }
        #expect(FileManager.default.fileExists(atPath: dst.path + "/precious.txt"))
        _ = try Backup.restore(backupDirectory: out.path + "/b", dataDirectory: dst.path, force: true)
        #expect(!FileManager.default.fileExists(atPath: dst.path + "/precious.txt"))
        // Backing up into a non-empty directory is refused too.
        #expect(throws: AegisError.self) { try Backup.create(dataDirectory: src.path, backupDirectory: out.path + "/b") }
    }

    @Test func verifyFindsEveryInjectedFault() async throws {
        let src = TempDir("src"), out = TempDir("backup"); defer { src.cleanup(); out.cleanup() }
        var fx = Fixture(seed: 4)
        let store = try await Store.open(directory: src.path, options: storeOptions(segmentSize: 8 << 10))
        _ = try await Self.writeHistory(store, &fx, commits: 20, checkpointEvery: 0)
        _ = try await store.checkpoint()
        _ = try await Self.writeHistory(store, &fx, commits: 40, checkpointEvery: 0)
        try await store.close()
        let good = out.path + "/good"
        let manifest = try Backup.create(dataDirectory: src.path, backupDirectory: good)
        #expect(try Backup.verify(backupDirectory: good).isEmpty)
        let fm = FileManager.default
        var rng = SplitMix64(seed: 9)
        var n = 0
        func copy() throws -> String { n += 1; let p = out.path + "/c\(n)"; try fm.copyItem(atPath: good, toPath: p); return p }
        for f in manifest.files {
            let missing = try copy(); try fm.removeItem(atPath: missing + "/" + f.path)
            #expect(try Backup.verify(backupDirectory: missing).map(\.kind) == [.missing], "\(f.path)")

            let truncated = try copy()
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: truncated + "/" + f.path))
            try h.truncate(atOffset: UInt64(f.size / 2)); try h.close()
            #expect(try Backup.verify(backupDirectory: truncated).map(\.kind) == [.truncated], "\(f.path)")

            let flipped = try copy()
            let url = URL(fileURLWithPath: flipped + "/" + f.path)
            var bytes = [UInt8](try Data(contentsOf: url))
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            bytes[at] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            try Data(bytes).write(to: url)
            #expect(try Backup.verify(backupDirectory: flipped).map(\.kind) == [.checksum], "\(f.path) byte \(at)")
        }
        let extra = try copy()
        try Data("x".utf8).write(to: URL(fileURLWithPath: extra + "/log/log-00000000000000ff.seg"))
        #expect(try Backup.verify(backupDirectory: extra).map(\.kind) == [.extra])
        let badManifest = try copy()
        let murl = URL(fileURLWithPath: badManifest + "/" + BackupManifest.fileName)
        var m = [UInt8](try Data(contentsOf: murl)); m[20] ^= 0x04
        try Data(m).write(to: murl)
        #expect(try Backup.verify(backupDirectory: badManifest).map(\.kind) == [.manifest])
        // A damaged backup is never restored.
        let dst = TempDir("dst"); defer { dst.cleanup() }
        #expect(throws: AegisError.self) { try Backup.restore(backupDirectory: out.path + "/c3", dataDirectory: dst.path) }
    }

    @Test func retentionKeepsTheNewest() async throws {
        let src = TempDir("src"), out = TempDir("backups"); defer { src.cleanup(); out.cleanup() }
        var fx = Fixture(seed: 5)
        let store = try await Store.open(directory: src.path, options: storeOptions())
        _ = try await Self.writeHistory(store, &fx, commits: 5, checkpointEvery: 0)
        try await store.close()
        for i in 0..<4 { _ = try Backup.create(dataDirectory: src.path, backupDirectory: out.path + "/b\(i)") }
        try FileManager.default.createDirectory(atPath: out.path + "/unrelated", withIntermediateDirectories: true)
        let removed = try Backup.prune(siblingsOf: out.path + "/b3", keep: 2, maxAgeDays: nil)
        #expect(Set(removed) == [out.path + "/b0", out.path + "/b1"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out.path)) == ["b2", "b3", "unrelated"])
    }
}
