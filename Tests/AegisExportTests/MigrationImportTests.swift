import AegisCore
import AegisEngine
import AegisStorage
import Foundation
import Testing
@testable import AegisExport

/// Everything a store holds, read back through the storage engine (what a comparison needs).
struct StoreContent: Equatable {
    var memories: [String: Memory] = [:]
    var votes: Set<Vote> = []
    var sessions: Set<SessionProgress> = []
    var features: Set<FeatureRecord> = []

    static func read(_ dir: String) async throws -> StoreContent {
        let store = try Store.openReadOnly(directory: dir)
        var c = StoreContent()
        store.read { v in
            for p in v.projectIds {
                v.forEachMemory(project: p) { row in
                    if let m = v.memory(project: p, id: row.id) { c.memories[m.id] = m }
                    return true
                }
                v.forEachVote(project: p) { c.votes.insert($0) }
                for s in v.sessions(project: p) { c.sessions.insert(s) }
                for f in v.features(project: p) { c.features.insert(f) }
            }
        }
        try await store.close()
        return c
    }
}

/// The `aegis-memory` binary next to the test binary (built by `swift build --build-tests`).
enum CLI {
    static var binary: String {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("aegis-memory").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("aegis-memory").path
    }

    @discardableResult
    static func run(_ args: [String], env extra: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        var env = ProcessInfo.processInfo.environment
        for (k, v) in extra { env[k] = v }
        return try PostgresHarness.run([binary] + args, env: env)
    }

    /// The one-line `--json` summary as a flat dictionary of its scalar fields.
    static func summary(_ stdout: String) -> [String: JSONValue] {
        guard let line = stdout.split(separator: "\n").last,
              case .object(let o)? = try? JSONRecordParser.parse(Array(line.utf8)) else { return [:] }
        var d: [String: JSONValue] = [:]
        for (k, v) in o { d[k] = v }
        return d
    }
}

/// Migrating in from PostgreSQL (issue 7): a store with memories, votes, sessions and features
/// → `export --format pgsql` → real PostgreSQL + pgvector → `import --from-postgres`, and the
/// dump paths (`import FILE.sql` of our export and of pg_dump) → every field, vector, vote,
/// session and feature equal. Plus a pg_dump of an ORIGINAL v1.2 database (Fixtures/).
@Suite(.serialized, .enabled(if: PostgresHarness.available, "PostgreSQL binaries missing: run `make pg-test-deps`"))
struct MigrationImportTests {
    static let dim = 16

    static func tempDir(_ name: String) -> String {
        NSTemporaryDirectory() + "aegis-mig-\(name)-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// A source store built through the engine: imported memories (with counters and no vote
    /// rows, as after a v1.2 JSON import) then live votes, sessions and features.
    static func buildSource(_ dir: String) async throws -> (content: StoreContent, mismatches: Int) {
        let engine = try await AegisEngine.open(directory: dir, embedder: TestEmbedder(dimension: dim))
        let originals = Fixtures.memories(count: 240, dim: dim)
        var seed = ExportWriter(format: .jsonl, includeEmbeddings: true)
        for (i, var m) in originals.enumerated() {
            if i % 2 == 0 { m.bulletHelpful = 0; m.bulletHarmful = 0 }   // half: counters only from votes
            try seed.write(m)
        }
        seed.finish()
        var imp = EngineImporter(engine: engine, defaultProject: "default-project")
        try await imp.feed(seed.drain())
        let s = try await imp.finish()
        #expect(s.imported == originals.count, "\(s.errors.prefix(3))")
        for (i, m) in originals.enumerated() where i % 3 != 1 {
            for k in 0..<(i % 4) {
                _ = try await engine.vote(project: m.projectId, memoryId: m.id,
                                          VoteRequest(vote: k % 3 == 2 ? "harmful" : "helpful", voterAgentId: "voter-\(k)",
                                                      context: k == 0 ? "ctx\twith tab\nand line \\ é" : nil, taskId: k == 1 ? "task-\(i)" : nil))
            }
        }
        _ = try await engine.delete(project: originals[3].projectId, id: originals[3].id)
        // Changes after the votes: updated_at is no longer the last vote's time.
        for (i, m) in originals.enumerated() where i % 3 != 1 && i % 4 >= 2 && i % 5 == 0 {
            _ = try await engine.delta(project: m.projectId, DeltaRequest(operations: [
                DeltaOperation(type: "update", memoryId: m.id, metadataPatch: ["after_votes": .bool(true)])]))
        }
        for i in 0..<6 {
            let p = i % 2 == 0 ? "default-project" : "other-project"
            _ = try await engine.createSession(project: p, CreateSessionRequest(sessionId: "sess-\(i)", agentId: "agent-\(i % 3)", namespace: i < 3 ? "default" : "ops"))
            if i % 3 != 2 {
                _ = try await engine.patchSession(project: p, sessionId: "sess-\(i)", PatchSessionRequest(
                    completedItems: ["design", "tab\there"], inProgressItem: "build \"it\"", nextItems: ["ship"],
                    blockedItems: [["item": .string("deploy"), "reason": .string("waiting\\on infra")]],
                    summary: "summary \(i)", lastAction: "did \(i)", status: i == 0 ? "completed" : nil, totalItems: 5))
            }
            _ = try await engine.createFeature(project: p, CreateFeatureRequest(featureId: "feature-\(i)", description: "Feature \(i)\nline 2", sessionId: "sess-\(i)", category: "api", testSteps: ["step 1", "step \"2\""]))
            if i % 2 == 0 {
                _ = try await engine.patchFeature(project: p, featureId: "feature-\(i)", PatchFeatureRequest(status: "complete", passes: true, implementedBy: "agent-1", verifiedBy: "qa"))
            }
        }
        try await engine.close()
        let content = try await StoreContent.read(dir)
        // Stored counters vs vote rows: the imported counters of odd memories make mismatches.
        var voted: [String: (Int64, Int64)] = [:]
        for v in content.votes { var c = voted[v.memoryId] ?? (0, 0); if v.vote == .helpful { c.0 += 1 } else { c.1 += 1 }; voted[v.memoryId] = c }
        let mismatches = content.memories.values.filter { m in
            let c = voted[m.id] ?? (0, 0)
            return c.0 != m.bulletHelpful || c.1 != m.bulletHarmful
        }.count
        return (content, mismatches)
    }

    static func expectEqual(_ got: StoreContent, _ want: StoreContent, _ label: String) {
        #expect(got.memories.count == want.memories.count, "\(label): memory count")
        for (id, m) in want.memories {
            guard let g = got.memories[id] else { Issue.record("\(label): memory \(id) missing"); continue }
            #expect(g == m, "\(label): memory \(id) differs")
            #expect(g.embedding.map(\.bitPattern) == m.embedding.map(\.bitPattern), "\(label): vector of \(id) not bit-equal")
        }
        #expect(got.votes == want.votes, "\(label): votes differ (\(got.votes.count) vs \(want.votes.count))")
        #expect(got.sessions == want.sessions, "\(label): sessions differ")
        #expect(got.features == want.features, "\(label): features differ")
    }

    @Test func pgsqlExportThroughPostgresImportsBackEqual() async throws {
        let pg = try PostgresHarness()
        defer { pg.stop() }
        let src = Self.tempDir("src")
        defer { try? FileManager.default.removeItem(atPath: src) }
        let (want, mismatches) = try await Self.buildSource(src)
        #expect(want.votes.count > 200 && want.sessions.count == 6 && want.features.count == 6 && mismatches > 50)

        let sqlFile = pg.dir.appendingPathComponent("export.sql").path
        let e = try CLI.run(["export", "--data-dir", src, "--format", "pgsql", "--output", sqlFile])
        try #require(e.status == 0, "\(e.stderr)")
        try pg.createDatabase("mig")
        let load = try pg.load(sqlFile, db: "mig")
        try #require(load.status == 0, "\(load.stderr)")
        #expect(try pg.sql("SELECT count(*) FROM vote_history", db: "mig") == "\(want.votes.count)\n")

        let env = pg.env.merging(["AEGIS_PSQL": pg.psqlPath, "AEGIS_HASH_DIMENSION": "\(Self.dim)"]) { $1 }
        // 1. --from-postgres
        let viaPG = Self.tempDir("from-pg")
        defer { try? FileManager.default.removeItem(atPath: viaPG) }
        let r = try CLI.run(["import", "--data-dir", viaPG, "--from-postgres", "mig", "--embedder", "hash", "--json"], env: env)
        #expect(r.status == 0, "\(r.stderr)")
        let s = CLI.summary(r.stdout)
        #expect(s["imported"] == .int(Int64(want.memories.count)) && s["error_count"] == .int(0), "\(r.stdout)")
        #expect(s["votes_imported"] == .int(Int64(want.votes.count)))
        #expect(s["sessions_imported"] == .int(6) && s["features_imported"] == .int(6))
        #expect(s["counter_mismatch_count"] == .int(Int64(mismatches)), "mismatches are reported, not fixed")
        Self.expectEqual(try await StoreContent.read(viaPG), want, "--from-postgres")

        // 2. our pgsql file directly (import FILE.sql)
        let viaFile = Self.tempDir("from-file")
        defer { try? FileManager.default.removeItem(atPath: viaFile) }
        let f = try CLI.run(["import", "--data-dir", viaFile, sqlFile, "--embedder", "hash", "--json"], env: env)
        #expect(f.status == 0, "\(f.stderr)")
        Self.expectEqual(try await StoreContent.read(viaFile), want, "export.sql")

        // 3. pg_dump of the loaded database (plain format, tables in pg_dump's alphabetical order)
        let pgDump = URL(fileURLWithPath: pg.psqlPath).deletingLastPathComponent().appendingPathComponent("pg_dump").path
        let dumpEnv = pg.env.merging(["PGOPTIONS": "-c TimeZone=America/New_York"]) { $1 }
        let d = try PostgresHarness.run([pgDump, "-d", "mig", "--no-owner", "-f", pg.dir.appendingPathComponent("dump.sql").path], env: dumpEnv)
        try #require(d.status == 0, "\(d.stderr)")
        let viaDump = Self.tempDir("from-dump")
        defer { try? FileManager.default.removeItem(atPath: viaDump) }
        let g = try CLI.run(["import", "--data-dir", viaDump, pg.dir.appendingPathComponent("dump.sql").path, "--embedder", "hash", "--json"], env: env)
        #expect(g.status == 0, "\(g.stderr)")
        Self.expectEqual(try await StoreContent.read(viaDump), want, "pg_dump")

        // Importing the same database again into the imported store adds nothing and counts nothing twice.
        let again = try CLI.run(["import", "--data-dir", viaPG, "--from-postgres", "mig", "--embedder", "hash", "--json"], env: env)
        let sa = CLI.summary(again.stdout)
        #expect(sa["imported"] == .int(0) && sa["votes_imported"] == .int(0) && sa["sessions_imported"] == .int(0), "\(again.stdout)")
        Self.expectEqual(try await StoreContent.read(viaPG), want, "re-import")
    }

    static var v12Fixture: String { PostgresHarness.repoRoot.appendingPathComponent("Fixtures/aegis-v1.2-pgdump.sql").path }

    /// What the v1.2 fixture (a pg_dump of the original server's ORM tables, dumped in
    /// Europe/Berlin time) must become.
    static func checkV12(_ c: StoreContent, _ summary: [String: JSONValue], _ label: String) throws {
        #expect(c.memories.count == 3 && c.votes.count == 6 && c.sessions.count == 2 && c.features.count == 2, "\(label)")
        let m1 = try #require(c.memories["4f1c2a9e8b7d4c3f9a1e2b3c4d5e6f70"])
        #expect(m1.content == "User prefers dark mode\tand short answers" && m1.bulletHelpful == 2 && m1.bulletHarmful == 1)
        #expect(m1.createdAt == Timestamp(iso8601: "2025-03-01T09:15:02.123456Z") && m1.updatedAt == Timestamp(iso8601: "2025-03-02T10:00:00.5Z"))
        #expect(m1.metadata == ["source": .string("chat"), "tags": .array([.string("ui"), .string("pref")])])
        #expect(m1.embedding.count == 1536 && m1.contentHash == ContentHash.of(m1.content))
        let m2 = try #require(c.memories["5a2b3c4d5e6f708192a3b4c5d6e7f801"])
        // Stored 5 helpful with 3 vote rows: the stored counter is kept and the mismatch reported.
        #expect(m2.updatedAt == Timestamp(iso8601: "2025-03-04T08:30:00Z"), "updated_at kept, not the last vote's time")
        #expect(m2.bulletHelpful == 5 && m2.isDeprecated && m2.deprecatedBy == "reviewer" && m2.scope == .global)
        #expect(m2.expiresAt == Timestamp(iso8601: "2031-01-01T00:00:00Z") && m2.sharedWithAgents == ["planner", "reviewer"])
        #expect(m2.content.hasSuffix("é 中文 😀") && m2.errorPattern == "timeout on /v1/x")
        #expect(c.memories["6b3c4d5e6f708192a3b4c5d6e7f80912"]?.projectId == "other-project")
        let v = try #require(c.votes.first { $0.id == "a1000000000000000000000000000003" })
        #expect(v.context == "again\nmultiline" && v.createdAt == Timestamp(iso8601: "2025-03-02T10:00:00.5Z"))
        let s = try #require(c.sessions.first { $0.sessionId == "build-api-v2" })
        #expect(s.completedItems == ["design", "schema"] && s.completedCount == 2 && s.totalItems == 5 && s.agentId == "planner")
        #expect(s.blockedItems == [["item": .string("deploy"), "reason": .string("waiting on infra")]])
        let f = try #require(c.features.first { $0.featureId == "auth-login" })
        #expect(f.passes && f.status == "complete" && f.completedAt == Timestamp(iso8601: "2025-03-02T09:30:00Z") && f.testSteps == ["POST /login", "check token"])
        #expect(summary["counter_mismatch_count"] == .int(1), "\(label)")
        #expect(summary["features_skipped"] == .int(1), "duplicate feature_id (no uniqueness in the ORM) is skipped")
    }

    @Test func originalV12PgDumpImports() async throws {
        let dir = Self.tempDir("v12")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try CLI.run(["import", "--data-dir", dir, Self.v12Fixture, "--embedder", "hash", "--json"], env: ["AEGIS_HASH_DIMENSION": "1536"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        try Self.checkV12(try await StoreContent.read(dir), CLI.summary(r.stdout), "dump file")
    }

    @Test func originalV12DatabaseImportsFromPostgres() async throws {
        let pg = try PostgresHarness()
        defer { pg.stop() }
        try pg.createDatabase("v12")
        let load = try pg.load(Self.v12Fixture, db: "v12")
        try #require(load.status == 0, "\(load.stderr)")
        let dir = Self.tempDir("v12pg")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let env = pg.env.merging(["AEGIS_PSQL": pg.psqlPath, "AEGIS_HASH_DIMENSION": "1536"]) { $1 }
        let r = try CLI.run(["import", "--data-dir", dir, "--from-postgres", "v12", "--embedder", "hash", "--json"], env: env)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        try Self.checkV12(try await StoreContent.read(dir), CLI.summary(r.stdout), "--from-postgres")
    }
}
