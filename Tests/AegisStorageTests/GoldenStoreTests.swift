import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation
import Testing

/// `Fixtures/store-v1/` was written by format version 1 from `GoldenHistory` (a snapshot at
/// `snapshotAfter` commits plus a log tail). Later versions must still open it and find exactly
/// this state. Regenerate (only when the v1 writer itself changes, never for v2+):
/// `AEGIS_WRITE_GOLDEN=1 swift test --filter GoldenStoreTests`.
enum GoldenHistory {
    static let snapshotAfter = 40
    static let project = "golden-project"

    static func t(_ i: Int) -> Timestamp { Timestamp(microseconds: 1_750_000_000_000_000 + Int64(i) * 1_234_567) }
    static func vec(_ i: Int) -> [Float] { [Float(i), -0.5, 0.25 * Float(i % 3), 1e-3] }

    /// The commits, in order (the store's own config record comes first, at LSN 1).
    static var commits: [[StoreEvent]] {
        var out: [[StoreEvent]] = []
        for i in 0..<30 {
            let m = Memory(id: String(format: "%032x", i + 1), projectId: project, userId: i % 2 == 0 ? "user-\(i % 3)" : nil,
                           agentId: i % 4 == 0 ? nil : "agent-\(i % 4)", namespace: i % 3 == 0 ? "default" : "ns-ü",
                           memoryType: [MemoryType.standard, .reflection, .strategy, "custom"][i % 4],
                           content: "Golden memory \(i): ünïcödé ✓ \"quoted\"\n" + String(repeating: "lorem ", count: i * 20),
                           embedding: vec(i),
                           metadata: ["i": .int(Int64(i)), "f": .double(Double(i) / 4), "tags": .array([.string("a"), .null, .bool(true)]),
                                      "nested": .object(["k": .string("v\(i)")])],
                           scope: [Scope.global, .agentPrivate, .agentShared][i % 3], sharedWithAgents: i % 3 == 2 ? ["x", "y"] : [],
                           derivedFromAgents: i % 5 == 0 ? ["z"] : [], coordinationMetadata: i % 7 == 0 ? ["c": .int(1)] : [:],
                           createdAt: t(i), expiresAt: i % 6 == 0 ? t(i).adding(seconds: 3600) : nil,
                           sourceTrajectoryId: i % 4 == 1 ? "traj-\(i)" : nil, errorPattern: i % 4 == 1 ? "pattern \(i)" : nil)
            out.append([.memoryPut(m)])
        }
        let id = { (i: Int) in String(format: "%032x", i + 1) }
        out.append([.vote(Vote(id: "v1", memoryId: id(1), projectId: project, voterAgentId: "agent-2", vote: .helpful, context: "ctx", taskId: "task", createdAt: t(31)))])
        out.append([.vote(Vote(id: "v2", memoryId: id(1), projectId: project, voterAgentId: "agent-3", vote: .harmful, createdAt: t(32)))])
        out.append([.memoryDeprecate(MemoryDeprecation(projectId: project, id: id(2), at: t(33), deprecatedBy: "agent-1", supersededBy: id(3), reason: "replaced"))])
        out.append([.memoryUpdate(MemoryUpdate(projectId: project, id: id(4), updatedAt: t(34), metadataPatch: ["i": .string("patched"), "new": .int(5)]))])
        out.append([.memoryDelete(projectId: project, id: id(5))])
        out.append([.sessionCreate(SessionProgress(id: "s-row-1", projectId: project, sessionId: "session-1", agentId: "agent-1", userId: "user-1",
                                                   completedItems: ["setup"], nextItems: ["build"], totalItems: 4, completedCount: 1, createdAt: t(36)))])
        out.append([.sessionPatch(SessionPatch(projectId: project, sessionId: "session-1", updatedAt: t(37), completedItems: ["build", "setup"],
                                               inProgressItem: "test", blockedItems: [["item": .string("deploy"), "reason": .string("waiting")]],
                                               summary: "halfway", status: .active))])
        out.append([.featureCreate(FeatureRecord(id: "f-row-1", projectId: project, sessionId: "session-1", namespace: "default", featureId: "login",
                                                 category: "auth", description: "Users can log in", testSteps: ["open", "submit"], createdAt: t(38)))])
        out.append([.featurePatch(FeaturePatch(projectId: project, namespace: "default", featureId: "login", updatedAt: t(39), status: .complete,
                                               passes: true, implementedBy: "agent-1", verifiedBy: "agent-2", completedAt: .some(t(39))))])
        out.append([.vote(Vote(id: "v3", memoryId: id(6), projectId: project, voterAgentId: "agent-1", vote: .helpful, createdAt: t(40)))])
        // ---- snapshot here (after 40 commits) ----
        out.append([.memoryDelete(projectId: project, id: id(7)), .vote(Vote(id: "v4", memoryId: id(8), projectId: project, voterAgentId: "a", vote: .helpful, createdAt: t(41)))])
        out.append([.memoryPut(Memory(id: id(100), projectId: "other-project", content: "other", embedding: vec(100), createdAt: t(42)))])
        out.append([.sessionPatch(SessionPatch(projectId: project, sessionId: "session-1", updatedAt: t(43), status: .completed, totalItems: 3))])
        out.append([.featureCreate(FeatureRecord(id: "f-row-2", projectId: project, namespace: "ns-ü", featureId: "search", description: "Search", createdAt: t(44)))])
        out.append([.memoryUpdate(MemoryUpdate(projectId: project, id: id(9), updatedAt: t(45), metadata: ["replaced": .bool(true)], embedding: vec(9000), expiresAt: .some(t(99))))])
        return out
    }

    static var fixtureDirectory: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/store-v1").path
    }

    /// The expected state, built by applying the history to an empty state (no disk).
    static func expectedState() -> StoreState {
        let s = StoreState()
        s.apply([.config(embeddingModel: "golden-model", dimension: 4)], lsn: 1, timestamp: 0)
        for (i, c) in commits.enumerated() { s.apply(c, lsn: UInt64(i + 2), timestamp: 0) }
        return s
    }
}

@Suite(.serialized) struct GoldenStoreTests {
    @Test func writeGoldenStoreWhenAsked() async throws {
        guard ProcessInfo.processInfo.environment["AEGIS_WRITE_GOLDEN"] == "1" else { return }
        let dir = GoldenHistory.fixtureDirectory
        try? FileManager.default.removeItem(atPath: dir)
        var o = StoreOptions(embeddingModel: "golden-model", dimension: 4)
        o.log.segmentSize = 8192
        let store = try await Store.open(directory: dir, options: o)
        for (i, c) in GoldenHistory.commits.enumerated() {
            try await store.commit(c)
            if i + 1 == GoldenHistory.snapshotAfter { try await store.checkpoint(indexSection: Array("HNSW-golden-index-v1".utf8)) }
        }
        try await store.close()
        try? FileManager.default.removeItem(atPath: dir + "/LOCK")
        try? FileManager.default.removeItem(atPath: dir + "/log/LOCK")
    }

    @Test func version1StoreOpensWithExactlyItsState() async throws {
        let fixture = GoldenHistory.fixtureDirectory
        #expect(FileManager.default.fileExists(atPath: fixture + "/CURRENT"), "missing fixture \(fixture)")
        let expected = dump(GoldenHistory.expectedState())

        // Read-only, in place (writes nothing).
        let ro = try Store.openReadOnly(directory: fixture)
        #expect(ro.openReport.snapshot?.lsn == UInt64(GoldenHistory.snapshotAfter + 1))
        #expect(ro.openReport.indexSection == Array("HNSW-golden-index-v1".utf8))
        #expect(ro.openReport.replayedRecords == GoldenHistory.commits.count - GoldenHistory.snapshotAfter)
        #expect(dump(ro) == expected)
        ro.read { v in
            #expect(v.memoryCount(project: GoldenHistory.project) == 28)
            #expect(v.memoryRow(project: GoldenHistory.project, id: String(format: "%032x", 2))?.bulletHarmful == 1)
            #expect(v.session(project: GoldenHistory.project, sessionId: "session-1")?.completedItems == ["setup", "build"])
        }
        #expect(StoreVerifier.verify(directory: fixture).isHealthy)

        // As a writer, on a copy.
        let copy = TempDir("golden"); defer { copy.cleanup() }
        try? FileManager.default.removeItem(atPath: copy.path)
        try FileManager.default.copyItem(atPath: fixture, toPath: copy.path)
        let w = try await Store.open(directory: copy.path, options: StoreOptions(embeddingModel: "golden-model", dimension: 4))
        #expect(dump(w) == expected)
        try await w.commit([.memoryDelete(projectId: GoldenHistory.project, id: String(format: "%032x", 1))])
        try await w.checkpoint()
        try await w.close()
    }
}
