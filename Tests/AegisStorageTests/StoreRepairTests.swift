import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation
import Testing

@Suite struct StoreRepairTests {
    @Test func repairQuarantinesDamagedSnapshotAndMidLogCorruption() async throws {
        let dir = TempDir("repair"); defer { dir.cleanup() }
        var fx = Fixture(seed: 21)
        let store = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
        for _ in 0..<40 { try await store.commit([.memoryPut(fx.memory())]) }
        let first = try await store.checkpoint()
        for _ in 0..<40 { try await store.commit([.memoryPut(fx.memory())]) }
        let second = try await store.checkpoint()
        for _ in 0..<60 { try await store.commit([.memoryPut(fx.memory())]) }
        try await store.close()
        #expect(StoreVerifier.verify(directory: dir.path).isHealthy)

        // Damage the newest snapshot and a record in a sealed segment after it.
        let snap = dir.path + "/snapshots/" + StorageFormat.snapshotFileName(lsn: second.lsn)
        var b = try [UInt8](Data(contentsOf: URL(fileURLWithPath: snap)))
        b[200] ^= 1
        try Data(b).write(to: URL(fileURLWithPath: snap))
        let segments = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/log").filter { $0.hasSuffix(".seg") }.sorted()
        #expect(segments.count >= 3)
        let victim = dir.path + "/log/" + segments[segments.count - 2]
        var s = try [UInt8](Data(contentsOf: URL(fileURLWithPath: victim)))
        s[s.count / 2] ^= 0x40
        try Data(s).write(to: URL(fileURLWithPath: victim))

        let before = StoreVerifier.verify(directory: dir.path)
        #expect(before.problems.contains { $0.contains(StorageFormat.snapshotFileName(lsn: second.lsn)) })
        #expect(before.problems.contains { $0.contains(segments[segments.count - 2]) })
        do {
            _ = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
            Issue.record("opened a store with mid-log corruption")
        } catch let e as AegisError {
            #expect(e.code == .corruption)
            #expect(e.location?.file?.contains(segments[segments.count - 2]) == true)
        }

        let report = try StoreRepair.repair(directory: dir.path)
        #expect(report.actions.contains { $0.contains("moved damaged snapshot") })
        #expect(report.log?.repaired == true)
        let after = StoreVerifier.verify(directory: dir.path)
        #expect(after.isHealthy, "\(after.problems)")
        let reopened = try await Store.open(directory: dir.path, options: storeOptions(segmentSize: 4096))
        #expect(reopened.openReport.snapshot?.lsn == first.lsn)
        #expect(reopened.lastLSN > first.lsn)
        #expect(StoreVerifier.verify(directory: dir.path).isHealthy)
        try await reopened.close()
    }

    @Test func statisticsCountWhatIsThere() async throws {
        let dir = TempDir("stats"); defer { dir.cleanup() }
        var fx = Fixture(seed: 2)
        let store = try await Store.open(directory: dir.path, options: storeOptions())
        var m = fx.memory(agent: "a", namespace: "n1"); m.memoryType = .reflection; m.isDeprecated = true
        var m2 = fx.memory(agent: nil, namespace: "n2"); m2.memoryType = .standard
        try await store.commit([.memoryPut(m), .memoryPut(m2)])
        try await store.commit([.sessionCreate(SessionProgress(id: fx.id(), projectId: testProject, sessionId: "s", createdAt: fx.tick()))])
        let s = StoreStatistics.compute(store, now: Timestamp(microseconds: 0))
        #expect(s.projects.count == 1)
        let p = s.projects[0]
        #expect(p.memories == 2 && p.deprecated == 1 && p.sessions == 1)
        #expect(p.byNamespace == ["n1": 1, "n2": 1])
        #expect(p.byAgent == ["a": 1, "": 1])
        #expect(p.byType["reflection"] == 1)
        #expect(s.dimension == 8 && s.lastLSN == 3 && s.logSegments == 1)
        try await store.close()
    }
}
