import AegisCore
import AegisEngine
import Foundation
import Testing
@testable import AegisExport

/// `PostgresDumpReader` on the ACE tables and the migration schema (001+002), and the
/// importer's vote/counter handling without PostgreSQL.
@Suite struct DumpTablesTests {
    static func events(_ text: String, chunk: Int = 7, tables: Set<PostgresDumpReader.Table> = Set(PostgresDumpReader.Table.allCases)) -> [PostgresDumpReader.Event] {
        var r = PostgresDumpReader(tables: tables)
        let b = Array(text.utf8)
        var out: [PostgresDumpReader.Event] = []
        var i = 0
        while i < b.count { out += r.feed(b[i..<min(i + chunk, b.count)]); i += chunk }
        return out + r.finish()
    }

    /// Migration-schema rows: no completed_count / completed_at, nullable json and counters,
    /// deprecation_reason etc. as columns (moved into metadata).
    @Test func migrationSchemaACERows() throws {
        let dump = """
            COPY public.session_progress (id, project_id, session_id, agent_id, user_id, namespace, completed_items, in_progress_item, next_items, blocked_items, status, summary, last_action, total_items, created_at, updated_at) FROM stdin;
            s1\tp\tsess\t\\N\t\\N\tdefault\t["a", "b", "c"]\t\\N\t\\N\t[{"item": "x"}]\tpaused\t\\N\t\\N\t\\N\t2024-01-01 00:00:00+00\t2024-01-02 00:00:00-05
            s2\tp\tsess2\t\\N\t\\N\tdefault\t{"not": "a list"}\t\\N\t[]\t[]\tactive\t\\N\t\\N\t0\t2024-01-01 00:00:00+00\t2024-01-01 00:00:00+00
            \\.
            COPY public.feature_tracker (id, project_id, session_id, namespace, feature_id, category, description, test_steps, status, passes, implemented_by, verified_by, implementation_notes, failure_reason, created_at, updated_at) FROM stdin;
            f1\tp\t\\N\tdefault\tlogin\t\\N\tLog in\t\\N\tin_progress\t\\N\t\\N\t\\N\t\\N\t\\N\t2024-01-01 00:00:00+00\t2024-01-01 00:00:00+00
            \\.
            COPY public.vote_history (id, memory_id, project_id, voter_agent_id, vote, context, task_id, created_at) FROM stdin;
            v1\tm1\tp\tagent\thelpful\t\\N\t\\N\t2024-01-01 00:00:00+00
            v2\tm1\tp\tagent\tmaybe\t\\N\t\\N\t2024-01-01 00:00:00+00
            \\.
            COPY public.memories (id, project_id, content, content_hash, embedding, metadata_json, deprecation_reason, correct_approach, applicable_contexts, created_at) FROM stdin;
            0f8fad5bd9cb469fa16570867728950e\tp\tx\th\t[1,0]\t{"k": 1}\told\tdo y\t["ci"]\t2024-01-01 00:00:00+00
            \\.

            """
        var sessions: [SessionProgress] = [], features: [FeatureRecord] = [], votes: [Vote] = [], memories: [ImportedMemory] = []
        var errors: [ExportError] = [], tables: [PostgresDumpReader.Table] = []
        for e in Self.events(dump) {
            switch e {
            case .session(let s, _, _): sessions.append(s)
            case .feature(let f, _, _): features.append(f)
            case .vote(let v, _, _): votes.append(v)
            case .memory(let m, _, _): memories.append(m)
            case .error(let x): errors.append(x)
            case .table(let t): tables.append(t)
            }
        }
        #expect(tables == [.sessions, .features, .votes, .memories])
        let s = try #require(sessions.first)
        #expect(s.completedCount == 3 && s.totalItems == 0 && s.nextItems == [] && s.status == "paused")
        #expect(s.updatedAt == Timestamp(iso8601: "2024-01-02T05:00:00Z"))
        #expect(features.first?.passes == false && features.first?.testSteps == [] && features.first?.completedAt == nil)
        #expect(votes.map(\.id) == ["v1"])
        #expect(memories.first?.metadata == ["k": .int(1), "deprecation_reason": .string("old"), "correct_approach": .string("do y"),
                                              "applicable_contexts": .array([.string("ci")])])
        // The bad session (completed_items not a list) and the bad vote: reported with table, row and field.
        #expect(errors.count == 2)
        #expect(errors.contains { $0.message.hasPrefix("session_progress:") && $0.record == 1 && $0.field == "completed_items" })
        #expect(errors.contains { $0.message.hasPrefix("vote_history:") && $0.record == 1 && $0.field == "vote" })
        // Tables outside the filter are skipped without decoding.
        #expect(Self.events(dump, tables: [.votes]).allSatisfy { if case .vote = $0 { return true }; if case .table(.votes) = $0 { return true }; if case .error = $0 { return true }; return false })
    }

    /// Without a vote pre-scan, vote rows are not imported (they would count twice) and the
    /// importer says so; with it, counters end as stored and mismatches are reported.
    @Test func votesNeedTheTallyAndCountersEndAsStored() async throws {
        let dim = 2
        let id = "0f8fad5bd9cb469fa16570867728950e"
        let dump = """
            COPY memories (id, project_id, content, embedding, bullet_helpful, bullet_harmful, created_at, updated_at) FROM stdin;
            \(id)\tp\tremember this\t[0.6,0.8]\t4\t0\t2024-01-01 00:00:00+00\t2024-03-01 00:00:00+00
            \\.
            COPY vote_history (id, memory_id, project_id, voter_agent_id, vote, context, task_id, created_at) FROM stdin;
            v1\t\(id)\tp\ta\thelpful\t\\N\t\\N\t2024-01-02 00:00:00+00
            v2\t\(id)\tp\ta\tharmful\t\\N\t\\N\t2024-01-03 00:00:00+00
            \\.

            """
        for withTally in [false, true] {
            let engine = try await AegisEngine.inMemory(embedder: TestEmbedder(dimension: dim))
            var tally: VoteTally?
            if withTally { var t = VoteTally(); t.scanSQL(Array(dump.utf8)); t.finishSQL(); tally = t }
            var imp = EngineImporter(engine: engine, defaultProject: "d", sqlDump: true, votes: tally)
            try await imp.feed(Array(dump.utf8))
            let s = try await imp.finish()
            let m = try await engine.get(project: "p", id: id)
            if withTally {
                #expect(s.errorCount == 0 && s.votes.imported == 2)
                // Stored helpful 4 ≥ 1 vote: kept; stored harmful 0 < 1 vote: the vote row wins.
                #expect(m.bulletHelpful == 4 && m.bulletHarmful == 1)
                #expect(m.updatedAt == Timestamp(iso8601: "2024-03-01T00:00:00Z"), "updated_at kept, not the last vote's")
                #expect(s.counterMismatchCount == 1)
                #expect(s.counterMismatches.first.map { ($0.storedHelpful, $0.votedHelpful, $0.keptHarmful) } ?? (0, 0, 0) == (4, 1, 1))
            } else {
                #expect(s.votes.imported == 0 && s.votes.skipped == 2 && s.errorCount == 1)
                #expect(m.bulletHelpful == 4 && m.bulletHarmful == 0)
            }
            try await engine.close()
        }
    }
}
