import AegisCore
import AegisEngine
import Foundation
import Testing
@testable import AegisExport

/// A PATCHed memory travels through export/import as edited, and the importing engine's lexical
/// index holds the new content (docs/hybrid-retrieval.md).
@Suite struct PatchExportTests {
    @Test func editedMemoryExportsAndImportsAsEdited() async throws {
        let src = try await AegisEngine.inMemory(embedder: TestEmbedder(dimension: 16))
        let id = try await src.add(project: "p", AddMemoryRequest(content: "draft mentions ERR_OLD_1", agentId: "a", scope: "global")).id
        try await src.add(project: "p", AddMemoryRequest(content: "unrelated note", agentId: "a", scope: "global"))
        _ = try await src.patch(project: "p", id: id, PatchMemoryRequest(content: "final mentions ERR_NEW_2", scope: "agent-private",
                                                                         memoryType: "reflection"))
        let bytes = try EngineRoundTripTests.exportJSONL(src, projects: ["p"])
        let dst = try await AegisEngine.inMemory(embedder: TestEmbedder(dimension: 16))
        var importer = EngineImporter(engine: dst, defaultProject: "p")
        try await importer.feed(bytes)
        let s = try await importer.finish()
        #expect(s.imported == 2 && s.errorCount == 0, "\(s.errors)")
        let m = try await dst.get(project: "p", id: id)
        #expect(m.content == "final mentions ERR_NEW_2" && m.scope == "agent-private" && m.memoryType == "reflection")
        let found = try await dst.query(project: "p", QueryRequest(query: "ERR_NEW_2", agentId: "a", topK: 1, retrieval: .lexical))
        #expect(found.memories.map(\.id) == [id])
        #expect(try await dst.query(project: "p", QueryRequest(query: "draft", agentId: "a", retrieval: .lexical)).memories.isEmpty)
        #expect(try EngineRoundTripTests.exportJSONL(dst, projects: ["p"]) == bytes)
    }
}
