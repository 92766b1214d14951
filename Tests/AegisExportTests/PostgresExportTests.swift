import AegisCore
import AegisEngine
import Foundation
import Testing
@testable import AegisExport

/// `export --format pgsql` against a real PostgreSQL 16 + pgvector (issue 7, reliability R13).
@Suite(.serialized, .enabled(if: PostgresHarness.available, "PostgreSQL binaries missing: run `make pg-test-deps`"))
struct PostgresExportTests {
    /// One server and one loaded export for the whole suite (initdb + load once), stopped at exit.
    final class Loaded: Sendable {
        let pg: PostgresHarness
        let dim = 32
        let memories: [Memory]
        let votes: [Vote]
        let sessions: [SessionProgress]
        let features: [FeatureRecord]

        init() throws {
            pg = try PostgresHarness()
            memories = Fixtures.memories(count: 1_200, dim: dim)
            votes = Fixtures.votes(for: memories)
            sessions = Fixtures.sessions(count: 7)
            features = Fixtures.features(count: 5)
            let file = pg.dir.appendingPathComponent("export.sql").path
            var w = ExportWriter(format: .pgsql, includeEmbeddings: true, dimension: dim, comment: ["test export", "second\nline"])
            var out = Data()
            for m in memories { try w.write(m); if w.pendingByteCount > 1 << 16 { out.append(contentsOf: w.drain()) } }
            for v in votes { try w.write(v) }
            for s in sessions { try w.write(s) }
            for f in features { try w.write(f) }
            w.finish()
            out.append(contentsOf: w.drain())
            try out.write(to: URL(fileURLWithPath: file))
            let r = try pg.load(file)
            guard r.status == 0 else { throw PostgresHarness.Failure(description: "psql -f failed: \(r.stderr)") }
        }
    }
    nonisolated(unsafe) static var stopAtExit: PostgresHarness?
    static let shared: Result<Loaded, any Error> = {
        let r = Result { try Loaded() }
        if case .success(let l) = r { stopAtExit = l.pg; atexit { PostgresExportTests.stopAtExit?.stop() } }
        return r
    }()

    let pg: PostgresHarness
    let dim: Int
    let memories: [Memory]
    let votes: [Vote]
    let sessions: [SessionProgress]
    let features: [FeatureRecord]

    init() throws {
        let l = try Self.shared.get()
        pg = l.pg; dim = l.dim; memories = l.memories; votes = l.votes; sessions = l.sessions; features = l.features
    }

    @Test func rowCountsAreEqual() throws {
        #expect(try pg.sql("SELECT count(*) FROM memories") == "\(memories.count)\n")
        #expect(try pg.sql("SELECT count(*) FROM vote_history") == "\(votes.count)\n")
        #expect(try pg.sql("SELECT count(*) FROM session_progress") == "\(sessions.count)\n")
        #expect(try pg.sql("SELECT count(*) FROM feature_tracker") == "\(features.count)\n")
        #expect(try pg.sql("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'memories'::regclass AND attname = 'embedding'") == "vector(\(dim))\n")
    }

    /// Every row read back from PostgreSQL (row_to_json) decodes to the original memory: every
    /// column equal, vectors bit-equal. This is also the `import --from-postgres` path.
    @Test func everyMemoryRoundTripsThroughPostgres() throws {
        let out = try pg.sql("SELECT row_to_json(m)::text FROM memories m ORDER BY created_at, id")
        let events = ImportReader.readAll(Array(out.utf8))
        var back: [String: ImportedMemory] = [:]
        for e in events {
            switch e {
            case .memory(let r, _, _): back[r.id!] = r
            case .error(let err): Issue.record("row failed to decode: \(err)")
            }
        }
        #expect(back.count == memories.count)
        for m in memories {
            let r = try #require(back[m.id])
            #expect(r.projectId == m.projectId)
            let again = r.memory(projectId: r.projectId!, embedding: r.embedding ?? [], fallbackScope: .global, now: Timestamp(seconds: 0))
            #expect(again == m)
            #expect(again.embedding.map(\.bitPattern) == m.embedding.map(\.bitPattern))
            #expect(ContentHash.of(m.content) == m.contentHash)
        }
    }

    /// pg_dump (plain SQL, from the same PostgreSQL build) of the loaded database reads back
    /// through `PostgresDumpReader` (what `import FILE.sql` uses): every memory equal.
    @Test func pgDumpReadsBack() throws {
        let pgDump = URL(fileURLWithPath: pg.psqlPath).deletingLastPathComponent().appendingPathComponent("pg_dump").path
        let r = try PostgresHarness.run([pgDump, "-d", "aegis", "--data-only", "-t", "memories"], env: pg.env)
        #expect(r.status == 0, "\(r.stderr)")
        var reader = PostgresDumpReader()
        var got: [String: ImportedMemory] = [:]
        for e in reader.feed(Array(r.stdout.utf8)) + reader.finish() {
            switch e {
            case .memory(let m, _, _): got[m.id!] = m
            case .error(let err): Issue.record("dump row failed: \(err)")
            default: continue
            }
        }
        #expect(got.count == memories.count)
        for m in memories {
            let x = try #require(got[m.id])
            #expect(x.memory(projectId: x.projectId!, embedding: x.embedding!, fallbackScope: .global, now: Timestamp(seconds: 0)) == m)
        }
    }

    /// pgsql export → PostgreSQL → import into a fresh engine (`import --from-postgres` path):
    /// every memory, field and vector equal.
    @Test func importBackIntoAnEngine() async throws {
        let out = try pg.sql("SELECT row_to_json(m)::text FROM memories m ORDER BY created_at, id")
        let dir = pg.dir.appendingPathComponent("engine-\(UInt32.random(in: 0...UInt32.max))").path
        let engine = try await AegisEngine.open(directory: dir, embedder: TestEmbedder(dimension: dim))
        var imp = EngineImporter(engine: engine, defaultProject: "unused")
        try await imp.feed(Array(out.utf8))
        let s = try await imp.finish()
        #expect(s.imported == memories.count && s.errorCount == 0, "\(s.errors.prefix(3))")
        var byId: [String: Memory] = [:]
        for p in ["default-project", "other-project"] {
            for m in try engine.exportMemories(project: p, ExportFilter(includeExpired: true)) { byId[m.id] = m }
        }
        try await engine.close()
        for m in memories {
            let got = try #require(byId[m.id])
            #expect(got == m)
        }
    }

    @Test func aceTablesRoundTrip() throws {
        let v = try pg.sql("SELECT id || '|' || memory_id || '|' || vote || '|' || coalesce(context, '<null>') FROM vote_history ORDER BY id")
        let expected = votes.sorted { $0.id < $1.id }.map { "\($0.id)|\($0.memoryId)|\($0.vote.rawValue)|\($0.context ?? "<null>")" }
        #expect(v == expected.joined(separator: "\n") + "\n")
        let s = try pg.sql("SELECT completed_items::text || '|' || blocked_items::text || '|' || coalesce(in_progress_item, '<null>') || '|' || completed_count FROM session_progress WHERE session_id = 'session-0'")
        #expect(s == #"["a","b \"q\""]|[{"item":"x","reason":"waiting\\on"}]|c"# + "\nd|2\n")
        let f = try pg.sql("SELECT to_char(completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '|' || passes FROM feature_tracker WHERE feature_id = 'feature-0'")
        #expect(f == "2027-01-15 08:03:20.123456|true\n")
    }

    /// The guide's "Direct SQL Export" CSV query, run unchanged on the loaded database, produces
    /// exactly the bytes of our `--format csv` export of the same memories.
    @Test func guideCSVQueryMatchesOurCSVExport() throws {
        let path = pg.dir.appendingPathComponent("memories_export.csv").path
        try pg.sql("""
            COPY (
              SELECT id, content, agent_id, namespace, scope,
                     metadata::text, created_at, updated_at
              FROM memories
              WHERE project_id = 'default-project'
              ORDER BY created_at
            ) TO '\(path)' WITH CSV HEADER;
            """)
        let theirs = try Data(contentsOf: URL(fileURLWithPath: path))
        var w = ExportWriter(format: .csv, includeEmbeddings: false)
        for m in memories where m.projectId == "default-project" { try w.write(m) }
        w.finish()
        let ours = Data(w.drain())
        #expect(ours == theirs)
        if ours != theirs {
            let a = String(decoding: ours, as: UTF8.self).split(separator: "\n"), b = String(decoding: theirs, as: UTF8.self).split(separator: "\n")
            if let i = Array(zip(a, b)).firstIndex(where: { $0.0 != $0.1 }) { Issue.record("first difference at line \(i):\nours:   \(a[i])\ntheirs: \(b[i])") }
        }
    }

    /// The guide's diagnostic, troubleshooting and JSON export SQL runs unchanged.
    @Test func guideQueriesRun() throws {
        let indexes = try pg.sql("SELECT indexname FROM pg_indexes WHERE tablename = 'memories';")
        #expect(indexes.contains("ix_memories_embedding_hnsw"))
        let q = "[" + memories[0].embedding.map { $0.description }.joined(separator: ", ") + "]"
        let plan = try pg.sql("EXPLAIN ANALYZE SELECT * FROM memories WHERE project_id = 'test' ORDER BY embedding <=> '\(q)'::vector LIMIT 10;")
        #expect(plan.contains("Limit"))
        let id = memories[1].id
        #expect(try pg.sql("SELECT id, created_at, expires_at FROM memories WHERE id = '\(id)';").hasPrefix(id))
        let expired = try pg.sql("SELECT count(*) FROM memories WHERE expires_at < NOW();")
        #expect(expired == "0\n")   // fixtures expire in 2030
        try pg.sql("VACUUM ANALYZE memories;")
        let jsonPath = pg.dir.appendingPathComponent("memories_export.json").path
        try pg.sql("""
            COPY (
              SELECT json_agg(row_to_json(m))
              FROM (
                SELECT id, content, agent_id, namespace, scope, metadata, created_at
                FROM memories
                WHERE project_id = 'default-project'
              ) m
            ) TO '\(jsonPath)';
            """)
        #expect(FileManager.default.fileExists(atPath: jsonPath))
        try pg.sql("""
            DROP INDEX IF EXISTS ix_memories_embedding_hnsw;
            CREATE INDEX ix_memories_embedding_hnsw ON memories
            USING hnsw (embedding vector_cosine_ops)
            WITH (m = 16, ef_construction = 64);
            SET hnsw.ef_search = 200;
            """)
        // v1.1 → v1.2 migration statements are no-ops on our schema (columns and tables exist).
        try pg.sql("ALTER TABLE memories ADD COLUMN IF NOT EXISTS memory_type VARCHAR(16) DEFAULT 'standard'; CREATE INDEX IF NOT EXISTS ix_votes_memory ON vote_history (memory_id);")
    }

    /// Exact top-10 in PostgreSQL (index scans off) equals the exact oracle; the HNSW index path
    /// reaches recall@10 ≥ 0.9.
    @Test func nearestNeighboursMatchAndHNSWRecall() throws {
        var rng = Fixtures.RNG(state: 7)
        var hits = 0, total = 0
        for _ in 0..<20 {
            let q = Fixtures.unitVector(dim, &rng)
            let lit = "[" + q.map(\.description).joined(separator: ",") + "]"
            let expected = Fixtures.exactTopK(q, memories, k: 10)
            let exact = try pg.sql("SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT id FROM memories ORDER BY embedding <=> '\(lit)' LIMIT 10;")
            #expect(exact.split(separator: "\n").map(String.init) == expected)
            let ann = try pg.sql("SET enable_seqscan = off; SET hnsw.ef_search = 40; EXPLAIN (COSTS OFF) SELECT id FROM memories ORDER BY embedding <=> '\(lit)' LIMIT 10;")
            #expect(ann.contains("ix_memories_embedding_hnsw"))
            let got = try pg.sql("SET enable_seqscan = off; SET hnsw.ef_search = 40; SELECT id FROM memories ORDER BY embedding <=> '\(lit)' LIMIT 10;")
            hits += Set(got.split(separator: "\n").map(String.init)).intersection(expected).count
            total += 10
        }
        let recall = Double(hits) / Double(total)
        #expect(recall >= 0.9, "HNSW recall@10 = \(recall)")
    }

    @Test func unrepresentableRowsAreRefusedWhole() throws {
        var w = PostgresDumpWriter(dimension: 2)
        let bad = Memory(id: "a", projectId: "p", content: "nul\u{0}inside", embedding: [1, 0], createdAt: Timestamp(seconds: 0))
        #expect(throws: ExportError.self) { try w.write(bad) }
        let wrongDim = Memory(id: "b", projectId: "p", content: "x", embedding: [1, 0, 0], createdAt: Timestamp(seconds: 0))
        #expect(throws: ExportError.self) { try w.write(wrongDim) }
        let good = Memory(id: "c", projectId: "p", content: "ok", embedding: [1, 0], createdAt: Timestamp(seconds: 0))
        try w.write(good)
        w.finish()
        let sql = String(decoding: w.drain(), as: UTF8.self)
        #expect(!sql.contains("nul") && sql.contains("\tok\t"))
        let db = "refused"
        try pg.createDatabase(db)
        let path = pg.dir.appendingPathComponent("refused.sql").path
        try sql.write(toFile: path, atomically: true, encoding: .utf8)
        let r = try pg.load(path, db: db)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try pg.sql("SELECT id FROM memories", db: db) == "c\n")
    }
}
