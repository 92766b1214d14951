import AegisCore
import AegisEngine
import Foundation
import Testing
@testable import AegisExport

/// A deterministic embedder for tests (records that carry embeddings are never re-embedded).
struct TestEmbedder: Embedder {
    let dimension: Int
    var modelName: String { "test-hash-\(dimension)" }
    func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map { t in
            var rng = Fixtures.RNG(state: UInt64(truncatingIfNeeded: t.hashValue))
            return Fixtures.unitVector(dimension, &rng)
        }
    }
}

/// Export from a real engine (durable store), import into a fresh one, export again: identical
/// bytes, so every field survives (issue 7 "export → import round trip preserves every field").
@Suite struct EngineRoundTripTests {
    static func tempDir() -> String {
        let p = NSTemporaryDirectory() + "aegis-export-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
        return p
    }

    static func exportJSONL(_ engine: AegisEngine, projects: [String]) throws -> [UInt8] {
        var w = ExportWriter(format: .jsonl, includeEmbeddings: true)
        for p in projects {
            for m in try engine.exportMemories(project: p, ExportFilter(includeExpired: true, includeDeprecated: true)) { try w.write(m) }
        }
        w.finish()
        return w.drain()
    }

    @Test func exportImportExportIsIdentical() async throws {
        let dim = 16
        let a = Self.tempDir(), b = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
        let originals = Fixtures.memories(count: 60, dim: dim)
        // Seed engine A through the import path with full records (ids, votes, timestamps, …).
        let src = try await AegisEngine.open(directory: a, embedder: TestEmbedder(dimension: dim))
        var seed = ExportWriter(format: .jsonl, includeEmbeddings: true)
        for m in originals { try seed.write(m) }
        seed.finish()
        var importerA = EngineImporter(engine: src, defaultProject: "default-project")
        try await importerA.feed(seed.drain())
        let sA = try await importerA.finish()
        #expect(sA.imported == originals.count && sA.errorCount == 0, "\(sA.errors)")
        let projects = ["default-project", "other-project"]
        let first = try Self.exportJSONL(src, projects: projects)
        try await src.close()

        // Every field of every original is in the export.
        var back: [String: ImportedMemory] = [:]
        for e in ImportReader.readAll(first) { if case .memory(let r, _, _) = e { back[r.id!] = r } }
        #expect(back.count == originals.count)
        for m in originals {
            let r = try #require(back[m.id])
            #expect(r.memory(projectId: r.projectId!, embedding: r.embedding!, fallbackScope: .global, now: Timestamp(seconds: 0)) == m)
        }

        // Import the export into B (in awkward chunks), export again: byte-identical.
        let dst = try await AegisEngine.open(directory: b, embedder: TestEmbedder(dimension: dim))
        var importer = EngineImporter(engine: dst, defaultProject: "ignored")
        var i = 0
        while i < first.count { try await importer.feed(first[i..<min(i + 777, first.count)]); i += 777 }
        let s = try await importer.finish()
        #expect(s.imported == originals.count && s.skipped == 0 && s.errorCount == 0, "\(s.errors)")
        let second = try Self.exportJSONL(dst, projects: projects)
        #expect(second == first)
        // Importing again skips every record as a duplicate.
        var again = EngineImporter(engine: dst, defaultProject: "ignored")
        try await again.feed(first)
        let s2 = try await again.finish()
        #expect(s2.imported == 0 && s2.skipped == originals.count)
        try await dst.close()
    }

    /// The guide's sample lines and a v1.2 `json` export import; bad records are reported.
    @Test func importsSeedAndV12Files() async throws {
        let dir = Self.tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let engine = try await AegisEngine.open(directory: dir, embedder: TestEmbedder(dimension: 8))
        let seed = #"{"id":"abc123","content":"Memory content","agent_id":"assistant","namespace":"default","scope":"agent-private","metadata":{},"created_at":"2024-01-15T10:30:00Z"}{"id":"def456","content":"Another memory","agent_id":"planner","namespace":"default","scope":"global","metadata":{"type":"reflection"},"created_at":"2024-01-15T11:00:00Z"}{"content":""}"#
        var imp = EngineImporter(engine: engine, defaultProject: "p")
        try await imp.feed(Array(seed.utf8))
        let s = try await imp.finish()
        #expect(s.imported == 2 && s.errorCount == 1)
        #expect(s.errors.first?.record == 2 && s.errors.first?.field == "content")
        let out = try Self.exportJSONL(engine, projects: ["p"])
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains(#""content":"Memory content""#) && text.contains(#""created_at":"2024-01-15T10:30:00+00:00""#))
        try await engine.close()
    }
}
