import AegisCore
import Testing
@testable import AegisExport

@Suite struct RecordRoundTripTests {
    func reimport(_ bytes: [UInt8]) -> (memories: [ImportedMemory], errors: [ExportError]) {
        var ms: [ImportedMemory] = [], es: [ExportError] = []
        for e in ImportReader.readAll(bytes) {
            switch e {
            case .memory(let m, _, _): ms.append(m)
            case .error(let x): es.append(x)
            }
        }
        return (ms, es)
    }

    @Test(arguments: [ExportFormat.jsonl, .json], [JSONBytesWriter.Style.compact, .python])
    func exportThenImportPreservesEveryField(format: ExportFormat, style: JSONBytesWriter.Style) throws {
        let originals = Fixtures.memories(count: 40, dim: 16)
        var w = ExportWriter(format: format, includeEmbeddings: true)
        w.style = style
        for m in originals { try w.write(m) }
        w.finish()
        let (back, errors) = reimport(w.drain())
        #expect(errors.isEmpty, "\(errors)")
        try #require(back.count == originals.count)
        for (orig, rec) in zip(originals, back) {
            let m = rec.memory(projectId: "ignored", embedding: rec.embedding ?? [], fallbackScope: .global, now: Timestamp(seconds: 0))
            var expected = orig
            expected.projectId = "ignored"          // the importer decides the project
            #expect(m == expected)
            #expect(rec.projectId == orig.projectId)
            #expect(zip(m.embedding, orig.embedding).allSatisfy { $0.bitPattern == $1.bitPattern })
        }
    }

    @Test func jsonFormatHasV12Shape() throws {
        let ms = Fixtures.memories(count: 3, dim: 4)
        var w = ExportWriter(format: .json, includeEmbeddings: false)
        for m in ms { try w.write(m) }
        w.finish()
        let v = try JSONRecordParser.parse(w.drain())
        let o = try #require(v.objectValue)
        #expect(o.keys == ["memories", "stats"])
        let rec = try #require(o["memories"]?.arrayValue?.first?.objectValue)
        #expect(Array(rec.keys.prefix(12)) == MemoryRecord.v12Keys)
        #expect(rec["embedding"] == nil)
        #expect(rec["created_at"]?.stringValue?.hasSuffix("+00:00") == true)
        let stats = try #require(o["stats"]?.objectValue)
        #expect(stats["total_exported"] == .int(3))
        #expect(stats["namespaces"] == .array([.string("default"), .string("production")]))
    }

    @Test func emptyExportsAreValid() throws {
        var j = ExportWriter(format: .jsonl, includeEmbeddings: false); j.finish()
        #expect(j.drain().isEmpty)
        var a = ExportWriter(format: .json, includeEmbeddings: false); a.finish()
        #expect(String(decoding: a.drain(), as: UTF8.self) == #"{"memories":[],"stats":{"total_exported":0,"format":"json","namespaces":[],"agents":[]}}"#)
    }

    /// Lines as the original v1.2 server wrote them (Python json.dumps, `+00:00`, 32-hex ids).
    @Test func importsV12AndSeedRecords() throws {
        let v12 = #"{"id": "0f8fad5bd9cb469fa16570867728950e", "content": "User prefers dark mode \u00e9", "user_id": null, "agent_id": "assistant", "namespace": "default", "scope": "agent-private", "metadata": {"source": "chat"}, "memory_type": "standard", "created_at": "2024-01-15T10:30:00.123456+00:00", "updated_at": "2024-01-15T10:30:00.123456+00:00", "bullet_helpful": 2, "bullet_harmful": 0, "embedding": [0.10000000149011612, -0.5, 1e-05]}"#
        let seed = #"{"id":"abc123","content":"Memory content","agent_id":"assistant","namespace":"default","scope":"agent-private","metadata":{},"created_at":"2024-01-15T10:30:00Z"}"#
        let (ms, errs) = reimport(Array((v12 + "\n" + seed + "\n").utf8))
        #expect(errs.isEmpty)
        try #require(ms.count == 2)
        #expect(ms[0].content == "User prefers dark mode é")
        #expect(ms[0].bulletHelpful == 2)
        #expect(ms[0].createdAt == Timestamp(iso8601: "2024-01-15T10:30:00.123456Z"))
        #expect(ms[0].embedding == [0.1, -0.5, 1e-05])
        #expect(ms[1].id == "abc123" && ms[1].updatedAt == nil && ms[1].embedding == nil)
    }

    @Test func badRecordsAreReportedAndTheRestImported() {
        let lines = [
            #"{"content":"ok 1"}"#,
            #"{"content":""}"#,                                        // empty content
            #"{"agent_id":"a"}"#,                                      // missing content
            #"{"content":"x","scope":"everyone"}"#,                    // bad scope
            #"{"content":"x","created_at":"yesterday"}"#,              // bad timestamp
            #"{"content":"x","embedding":[1,"a"]}"#,                   // bad embedding
            #"{"content":"x","id":"../etc/passwd"}"#,                  // bad id
            #"{"content":"x","metadata":[1]}"#,                        // metadata not an object
            #"{"content":"x","agent_id":"\#(String(repeating: "a", count: 65))"}"#,
            #"{"content":"x" "#,                                        // syntax
            #"{"content":"bad \ud800 surrogate"}"#,
            #"{"content":"ok 2","embedding":[1e39]}"#,                 // overflows float32
            #"{"content":"ok 3","ttl_seconds":60}"#,
        ]
        let (ms, errs) = reimport(Array(lines.joined(separator: "\n").utf8))
        #expect(ms.map(\.content) == ["ok 1", "ok 3"])
        #expect(errs.count == lines.count - 2)
        #expect(errs.map(\.record) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11].map { Optional($0) })
        #expect(errs[0].field == "content" && errs[2].field == "scope" && errs[4].field == "embedding.1")
    }
}

@Suite struct PostgresDumpReaderTests {
    static func read(_ bytes: [UInt8], chunk: Int, tables: Set<PostgresDumpReader.Table> = [.memories]) -> (memories: [ImportedMemory], errors: [ExportError]) {
        var r = PostgresDumpReader(tables: tables)
        var ev: [PostgresDumpReader.Event] = []
        var i = 0
        while i < bytes.count { ev += r.feed(bytes[i..<min(i + chunk, bytes.count)]); i += chunk }
        ev += r.finish()
        var ms: [ImportedMemory] = [], es: [ExportError] = []
        for e in ev {
            switch e {
            case .memory(let m, _, _): ms.append(m)
            case .error(let x): es.append(x)
            default: continue
            }
        }
        return (ms, es)
    }

    /// Our pgsql file read back without PostgreSQL: every memory equal, vectors bit-equal.
    @Test(arguments: [1 << 20, 97])
    func pgsqlExportReadsBack(chunk: Int) throws {
        let originals = Fixtures.memories(count: 50, dim: 8)
        var w = ExportWriter(format: .pgsql, includeEmbeddings: true, dimension: 8)
        for m in originals { try w.write(m) }
        for v in Fixtures.votes(for: originals) { try w.write(v) }
        w.finish()
        let (ms, errs) = Self.read(w.drain(), chunk: chunk)
        #expect(errs.isEmpty, "\(errs)")
        try #require(ms.count == originals.count)
        for (r, m) in zip(ms, originals) {
            #expect(r.memory(projectId: r.projectId!, embedding: r.embedding!, fallbackScope: .global, now: Timestamp(seconds: 0)) == m)
        }
    }

    /// A pg_dump-style block of the migration schema (`metadata_json`, schema-qualified table,
    /// octal escape), with one bad row that is reported while the others load.
    @Test func migrationSchemaDumpAndBadRows() {
        let dump = """
            SET statement_timeout = 0;
            COPY public.vote_history (id, memory_id) FROM stdin;
            x\ty
            \\.
            COPY public.memories (id, project_id, content, content_hash, embedding, user_id, agent_id, namespace, scope, metadata_json, created_at, is_deprecated, bullet_helpful) FROM stdin;
            0f8fad5bd9cb469fa16570867728950e\tp\tline\\none \\\\ tab\\t\\101\tabc\t[0.5,-0.25]\t\\N\tagent\tdefault\tglobal\t{"k": "v"}\t2024-01-15 10:30:00.5+00\tf\t3
            1f8fad5bd9cb469fa16570867728950e\tp\t\t\t\\N\t\\N\t\\N\tdefault\tglobal\t{}\t2024-01-15 10:31:00+00\tf\t0
            too\tfew
            \\.

            """
        let (ms, errs) = Self.read(Array(dump.utf8), chunk: 5)
        #expect(ms.count == 1)
        #expect(ms.first?.content == "line\none \\ tab\tA")
        #expect(ms.first?.metadata == ["k": .string("v")])
        #expect(ms.first?.embedding == [0.5, -0.25])
        #expect(ms.first?.createdAt == Timestamp(iso8601: "2024-01-15T10:30:00.5Z"))
        #expect(ms.first?.bulletHelpful == 3)
        #expect(errs.count == 2)   // empty content; wrong field count
        #expect(errs.map(\.record) == [1, 2])
    }
}
