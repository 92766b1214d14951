import Foundation
import Testing
@testable import AegisEngine
import AegisExport

/// `aegis-memory migrate` (issue 7 "format upgrades; old-format fixtures must open"): version 1
/// is the only format so far, so the golden v1 store is "already current" and left untouched, a
/// store with a file of a FUTURE version is refused naming file and versions (nothing touched),
/// and the upgrade chain is exercised with hypothetical versions.
@Suite struct MigrateTests {
    static let golden = PostgresHarness.repoRoot.appendingPathComponent("Fixtures/store-v1").path
    static let snapshot = "snapshots/snap-0000000000000029.snap"
    static let segment = "log/log-0000000000000002.seg"

    static func copyGolden() throws -> String { try copyFixture(golden, as: "aegis-migrate") }

    /// A private copy of a fixture store in the temp directory.
    static func copyFixture(_ path: String, as prefix: String) throws -> String {
        let dir = NSTemporaryDirectory() + "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.copyItem(atPath: path, toPath: dir)
        return dir
    }

    /// Every file's bytes, by relative path.
    static func contents(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let e = FileManager.default.enumerator(atPath: dir)!
        while let rel = e.nextObject() as? String {
            var isDir: ObjCBool = false
            FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir)
            if !isDir.boolValue { out[rel] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + rel)) }
        }
        return out
    }

    @Test func goldenV1StoreIsCurrentAndUntouched() throws {
        let dir = try Self.copyGolden()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try StoreFormat.inspect(dataDirectory: dir)
        #expect(r.isCurrent && r.unreadable.isEmpty)
        let seen = Set(r.findings.map { "\($0.file)|\($0.component.rawValue)|\($0.version)" })
        #expect(seen == ["CURRENT|manifest|1", "\(Self.snapshot)|snapshot|1", "\(Self.segment)|log_segment|1", "log|record_payload|1"])
        #expect(r.findings.first { $0.component == .recordPayload }?.count == 17)
        #expect(try StoreFormat.plan(r).isEmpty)

        let before = try Self.contents(dir)
        let run = try CLI.run(["migrate", "--data-dir", dir, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(CLI.summary(run.stdout)["state"] == .string("current"))
        #expect(try Self.contents(dir) == before, "nothing rewritten")
        #expect(!FileManager.default.fileExists(atPath: dir + ".pre-migrate"), "no backup taken when nothing changes")
    }

    /// `rebuild-index` pins its parameters in index section v2; v1 (no pinned parameters) is
    /// still written otherwise, so both are current and neither is "upgraded" nor refused.
    @Test func rebuiltIndexSectionV2IsCurrent() async throws {
        let dir = try Self.copyGolden()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let engine = try await AegisEngine.openForMaintenance(directory: dir)
        _ = try await engine.rebuildIndex(parameters: IndexParameters(m: 12, efConstruction: 48), threads: 1)
        try await engine.close()
        let r = try StoreFormat.inspect(dataDirectory: dir)
        #expect(r.isCurrent && r.unreadable.isEmpty, "\(r.findings)")
        #expect(r.findings.contains { $0.component == .indexSection && $0.version == 2 })
        #expect(r.findings.contains { $0.component == .hnswGraph && $0.version == 2 }, "graphs inside a v2 section are read")
        #expect(try StoreFormat.plan(r).isEmpty)
        let run = try CLI.run(["migrate", "--data-dir", dir, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(CLI.summary(run.stdout)["state"] == .string("current"))
    }

    @Test(arguments: ["CURRENT", MigrateTests.snapshot, MigrateTests.segment])
    func futureVersionIsRefusedAndNothingTouched(file: String) throws {
        let dir = try Self.copyGolden()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/" + file
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[8] = 7; bytes[9] = 0                       // format version 7 (u16 LE at offset 8)
        try bytes.write(to: URL(fileURLWithPath: path))
        let before = try Self.contents(dir)

        let r = try StoreFormat.inspect(dataDirectory: dir)
        #expect(r.newer.map(\.file) == [file] && r.newer.first?.version == 7)
        #expect(throws: StoreFormat.PlanError.self) { try StoreFormat.plan(r) }

        for extra in [[], ["--dry-run"], ["--yes", "--no-backup"]] {
            let run = try CLI.run(["migrate", "--data-dir", dir] + extra)
            #expect(run.status == 3, "\(extra): \(run.stdout) \(run.stderr)")
            #expect(run.stderr.contains(file) && run.stderr.contains("version 7") && run.stderr.contains("supports (1)"), "\(run.stderr)")
            #expect(try Self.contents(dir) == before, "nothing touched")
        }
        let siblings = try FileManager.default.contentsOfDirectory(atPath: (dir as NSString).deletingLastPathComponent)
        #expect(!siblings.contains { $0.hasPrefix((dir as NSString).lastPathComponent + ".pre-migrate") }, "no backup directory left behind")
    }

    @Test func unknownFileContentIsNotGuessedAt() throws {
        let dir = try Self.copyGolden()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("not a manifest".utf8).write(to: URL(fileURLWithPath: dir + "/CURRENT"))
        let run = try CLI.run(["migrate", "--data-dir", dir])
        #expect(run.status == 1 && run.stderr.contains("CURRENT") && run.stderr.contains("verify"), "\(run.stderr)")
    }

    /// The chain with hypothetical versions (current = 3): steps are followed link by link, a gap
    /// or a newer version is an error naming the file.
    @Test func upgradeChainIsFollowedStepByStep() throws {
        var r = StoreFormat.Report(dataDirectory: "d")
        r.findings = [StoreFormat.Finding(file: "snapshots/a.snap", component: .snapshot, version: 1),
                      StoreFormat.Finding(file: "CURRENT", component: .manifest, version: 2),
                      StoreFormat.Finding(file: "log/x.seg", component: .logSegment, version: 3)]
        let steps = [StoreFormat.Step(component: .snapshot, from: 2, to: 3, summary: "s2→3"),
                     StoreFormat.Step(component: .snapshot, from: 1, to: 2, summary: "s1→2"),
                     StoreFormat.Step(component: .manifest, from: 2, to: 3, summary: "m2→3")]
        let plan = try StoreFormat.plan(r, steps: steps, current: { _ in 3 })
        #expect(plan.map(\.summary) == ["m2→3", "s1→2", "s2→3"])
        #expect(throws: StoreFormat.PlanError.noPath(file: "snapshots/a.snap", component: .snapshot, version: 1, current: 3)) {
            try StoreFormat.plan(r, steps: Array(steps.dropFirst()), current: { _ in 3 })
        }
        #expect(throws: StoreFormat.PlanError.newer(file: "log/x.seg", component: .logSegment, version: 3, supported: 2)) {
            try StoreFormat.plan(r, steps: steps, current: { _ in 2 })
        }
        #expect(StoreFormat.steps.map { "\($0.component.rawValue) \($0.from)→\($0.to)" } == ["hnsw_graph 1→2"])
    }
}

/// The first real step of the upgrade chain (graph format 1 → 2) on a store written by the
/// previous release: Fixtures/store-v1-graph holds a snapshot whose index section carries
/// version-1 graphs (with their own copy of every vector), then a log tail after it (five
/// adds and one delete, the server killed without a checkpoint).
@Suite struct GraphUpgradeTests {
    static let fixture = PostgresHarness.repoRoot.appendingPathComponent("Fixtures/store-v1-graph").path
    static let project = "default-project"
    static let deletedId = "55db1031972543899c5b21896235ee97"

    static func copy() throws -> String { try MigrateTests.copyFixture(fixture, as: "aegis-graph-v1") }

    /// Every memory's own stored row finds that memory first in the graph (the graph's nodes
    /// point at the right rows), and the counts match the tables.
    static func expectServes(_ e: AegisEngine, memories: Int) {
        let h = e.health()
        #expect(h.indexesLoadedFromCheckpoint == 1 && h.indexesRebuilt == 0, "\(h)")
        #expect(h.indexedMemories == memories)
        e.spaces.withSpace(project) { s in
            guard let s, let ann = s.ann else { Issue.record("no graph"); return }
            #expect(s.slotOf[deletedId] == nil, "the delete after the snapshot is applied")
            var wrong = 0
            for slot in 0..<s.ids.count where s.ids[slot] != nil {
                let q = Array(s.vector(slot: slot)!)
                var c = IndexSearchCounters()
                if ann.search(query: q, k: 1, ef: 64, admitted: nil, visited: &c, filter: { _ in true }).first != slot { wrong += 1 }
            }
            #expect(wrong == 0, "\(wrong) memories do not find themselves")
        }
    }

    @Test func versionOneGraphsOpenInPlaceAndMigrateToVersionTwo() async throws {
        // Opens as it is (no migrate): the v1 graph is used, its vector copy skipped.
        let direct = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: direct) }
        let e0 = try await AegisEngine.openForMaintenance(directory: direct)
        Self.expectServes(e0, memories: 44)
        try await e0.closeWithoutCheckpoint()

        let dir = try Self.copy()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try StoreFormat.inspect(dataDirectory: dir)
        #expect(r.older.map(\.component) == [.hnswGraph] && r.older.first?.version == 1, "\(r.findings)")
        #expect(try StoreFormat.plan(r).map { "\($0.from)→\($0.to)" } == ["1→2"])
        let before = try Data(contentsOf: URL(fileURLWithPath: dir + "/snapshots/snap-0000000000000029.snap")).count

        let run = try CLI.run(["migrate", "--data-dir", dir, "--json", "--no-backup", "--yes"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(CLI.summary(run.stdout)["state"] == .string("upgraded"), "\(run.stdout)")
        let after = try StoreFormat.inspect(dataDirectory: dir)
        let snaps = try FileManager.default.contentsOfDirectory(atPath: dir + "/snapshots").filter { $0.hasSuffix(".snap") }.sorted()
        #expect(snaps.count == 2, "the new snapshot and the v1 fallback")
        #expect(after.findings.contains { $0.file == "snapshots/" + snaps.last! && $0.component == .hnswGraph && $0.version == 2 })
        #expect(after.older.allSatisfy { $0.file == "snapshots/" + snaps.first! }, "only the fallback keeps v1: \(after.older)")
        let verify = IndexVerifier.verify(directory: dir)
        #expect(verify.isHealthy, "\(verify.problems)")
        // The new snapshot is smaller although it holds more memories: no second vector copy.
        let newest = try Data(contentsOf: URL(fileURLWithPath: dir + "/snapshots/" + snaps.last!)).count
        #expect(newest < before, "new snapshot \(newest) B, v1 snapshot \(before) B")

        let e = try await AegisEngine.openForMaintenance(directory: dir)
        Self.expectServes(e, memories: 44)
        try await e.closeWithoutCheckpoint()
    }
}
