import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation
import Testing

/// Named recovery cases (R5, R7): damaged / half-written / missing snapshots, debris,
/// manifest problems, newer versions, bit flips.
@Suite struct SnapshotRecoveryTests {
    /// A store with two snapshots (LSN a < b) plus a log tail; returns the dump and LSNs.
    func makeStore(_ dir: String) async throws -> (dump: [String], older: UInt64, newer: UInt64) {
        var fx = Fixture(seed: 5)
        let store = try await Store.open(directory: dir, options: storeOptions(segmentSize: 4096))
        var ids: [String] = []
        for i in 0..<60 {
            let m = fx.memory(agent: "a\(i % 2)")
            ids.append(m.id)
            try await store.commit([.memoryPut(m)])
        }
        let a = try await store.checkpoint(indexSection: [1])
        for id in ids.prefix(10) { try await store.commit([.memoryDelete(projectId: testProject, id: id)]) }
        try await store.commit([.sessionCreate(SessionProgress(id: fx.id(), projectId: testProject, sessionId: "s", createdAt: fx.tick()))])
        let b = try await store.checkpoint(indexSection: [2])
        for _ in 0..<5 { try await store.commit([.memoryPut(fx.memory())]) }
        let d = dump(store)
        try await store.close()
        return (d, a.lsn, b.lsn)
    }

    func snapPath(_ dir: String, _ lsn: UInt64) -> String { dir + "/snapshots/" + StorageFormat.snapshotFileName(lsn: lsn) }

    @Test func damagedNewestSnapshotFallsBackToPrevious() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let (before, older, newer) = try await makeStore(dir.path)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: snapPath(dir.path, newer))))
        bytes[bytes.count / 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: snapPath(dir.path, newer)))
        #expect(!StoreVerifier.verify(directory: dir.path).isHealthy)
        let store = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
        #expect(store.openReport.snapshot?.lsn == older)
        #expect(store.openReport.skippedSnapshots.contains { $0.contains(StorageFormat.snapshotFileName(lsn: newer)) && $0.contains("checksum") })
        #expect(store.openReport.indexSection == [1])
        #expect(dump(store) == before)
        try await store.close()
    }

    @Test func halfWrittenSnapshotIsRefused() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let (before, older, newer) = try await makeStore(dir.path)
        let url = URL(fileURLWithPath: snapPath(dir.path, newer))
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count / 2).write(to: url)
        let store = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
        #expect(store.openReport.snapshot?.lsn == older)
        #expect(dump(store) == before)
        try await store.close()
    }

    @Test func manifestPointingAtMissingSnapshotFallsBack() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let (before, older, newer) = try await makeStore(dir.path)
        try FileManager.default.removeItem(atPath: snapPath(dir.path, newer))
        let v = StoreVerifier.verify(directory: dir.path)
        #expect(v.problems.contains { $0.contains("missing") })
        let store = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
        #expect(store.openReport.snapshot?.lsn == older)
        #expect(store.openReport.skippedSnapshots.contains { $0.contains("is missing") })
        #expect(dump(store) == before)
        try await store.close()
    }

    @Test func damagedManifestScansSnapshotDirectory() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let (before, _, newer) = try await makeStore(dir.path)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: dir.path + "/CURRENT"))
        let store = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
        #expect(store.openReport.snapshot?.lsn == newer)
        #expect(store.openReport.skippedSnapshots.contains { $0.hasPrefix("CURRENT") })
        #expect(dump(store) == before)
        try await store.close()
    }

    @Test func debrisIsCleanedOnWriterOpen() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let (before, _, _) = try await makeStore(dir.path)
        for p in ["/CURRENT.tmp", "/snapshots/snap-00000000000000ff.snap.tmp", "/log/log-00000000000000ff.seg.tmp"] {
            try Data(repeating: 7, count: 100).write(to: URL(fileURLWithPath: dir.path + p))
        }
        #expect(StoreVerifier.verify(directory: dir.path).warnings.count == 3)
        let store = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
        #expect(Set(store.openReport.removedDebris) == ["CURRENT.tmp", "snapshots/snap-00000000000000ff.snap.tmp"])
        #expect(store.openReport.log?.removedTemporaryFiles == ["log-00000000000000ff.seg.tmp"])
        #expect(dump(store) == before)
        try await store.close()
        #expect(StoreVerifier.verify(directory: dir.path).warnings.isEmpty)
    }

    @Test func newerSnapshotVersionIsAClearError() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let (_, _, newer) = try await makeStore(dir.path)
        let url = URL(fileURLWithPath: snapPath(dir.path, newer))
        var bytes = try [UInt8](Data(contentsOf: url))
        bytes[8] = 2 // version 2
        let sum = Checksum.xxh3(Array(bytes[0..<120]))
        withUnsafeBytes(of: sum.littleEndian) { for i in 0..<8 { bytes[120 + i] = $0[i] } }
        try Data(bytes).write(to: url)
        do {
            _ = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
            Issue.record("opened a newer snapshot version")
        } catch let e as AegisError {
            #expect(e.code == .unsupportedVersion)
            #expect(e.location?.file?.hasSuffix(StorageFormat.snapshotFileName(lsn: newer)) == true)
        }
    }

    /// R5 for snapshots: 2,000 random single-bit flips, every one detected.
    @Test func everyBitFlipInASnapshotIsDetected() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let (_, _, newer) = try await makeStore(dir.path)
        let original = try [UInt8](Data(contentsOf: URL(fileURLWithPath: snapPath(dir.path, newer))))
        let io = FaultInjectingFileIO()
        var rng = SplitMix64(seed: 42)
        var detected = 0
        let flips = ProcessInfo.processInfo.environment["AEGIS_TORTURE"] == "1" ? 10_000 : 2_000
        for _ in 0..<flips {
            var b = original
            b[Int(rng.next() % UInt64(b.count))] ^= UInt8(1 << (rng.next() % 8))
            io.setContents(of: "/s.snap", b)
            do { _ = try SnapshotReader(io: io).load("/s.snap") } catch let e as AegisError where e.code == .corruption || e.code == .unsupportedVersion {
                detected += 1
            }
        }
        #expect(detected == flips)
    }

    @Test func indexCatchUpStartsAfterTheIndexLSN() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        var fx = Fixture(seed: 8)
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        for _ in 0..<10 { try await store.commit([.memoryPut(fx.memory())]) }
        let indexAt = store.lastLSN
        for _ in 0..<4 { try await store.commit([.memoryPut(fx.memory())]) }
        let info = try await store.checkpoint(indexSection: [42], indexLSN: indexAt)
        try await store.commit([.memoryPut(fx.memory())])
        try await store.close()
        let again = try await Store.open(directory: dir.path, options: storeOptions())
        #expect(again.openReport.indexLSN == indexAt)
        #expect(again.openReport.indexCatchUp?.map(\.lsn) == Array((indexAt + 1)...(info.lsn + 1)))
        try await again.close()
    }
}
