import Testing
import AegisCore
@testable import AegisEngine

/// Every read path × scope × requesting agent, with canaries that must never appear:
/// owner X writes one memory per scope (shared with S), agent O ("other") and S request.
@Suite struct ACLMatrixTests {
    static let text = "canary zebra quartz"

    struct World {
        let e: AegisEngine
        let priv: String, shared: String, global: String, otherProject: String
    }

    func world(indexed: Bool) async throws -> World {
        var c = EngineConfiguration()
        if indexed { c.exactScanThreshold = 0; c.exactScanSelectivity = 0 }   // force the graph path
        let e = try await makeEngine(configuration: c)
        // Filler so the graph has structure.
        for i in 0..<60 { _ = try await e.addText("filler note \(i) zebra", agent: "f\(i % 3)", scope: .global) }
        let priv = try await e.addText(Self.text + " private", agent: "X", scope: .agentPrivate)
        let shared = try await e.addText(Self.text + " shared", agent: "X", scope: .agentShared, shared: ["S"])
        let global = try await e.addText(Self.text + " global", agent: "X", scope: .global)
        let other = try await e.addText(Self.text + " other project", project: Q, agent: "X", scope: .global)
        return World(e: e, priv: priv, shared: shared, global: global, otherProject: other)
    }

    /// Which of X's memories each reader may see.
    func allowed(_ w: World, reader: String?) -> Set<String> {
        switch reader {
        case "X": return [w.priv, w.shared, w.global]
        case "S": return [w.shared, w.global]
        default: return [w.global]
        }
    }

    func canaries(_ w: World) -> Set<String> { [w.priv, w.shared, w.global, w.otherProject] }

    @Test(arguments: [false, true])
    func crossAgentQuery(indexed: Bool) async throws {
        let w = try await world(indexed: indexed)
        for reader in ["X", "S", "O"] {
            for targets in [nil, ["X"]] as [[String]?] {
                let r = try await w.e.queryCrossAgent(project: P, CrossAgentQueryRequest(query: Self.text, requestingAgentId: reader,
                                                                                            targetAgentIds: targets, topK: 100))
                let seen = Set(r.memories.map(\.id)).intersection(canaries(w))
                #expect(seen == allowed(w, reader: reader), "reader \(reader) targets \(String(describing: targets))")
                // top_k honoured whenever enough memories qualify (no post-filter shortfall).
                let k3 = try await w.e.queryCrossAgent(project: P, CrossAgentQueryRequest(query: Self.text, requestingAgentId: reader,
                                                                                              targetAgentIds: targets, topK: 3))
                let qualifying = targets == nil ? 60 + allowed(w, reader: reader).count : allowed(w, reader: reader).count
                #expect(k3.memories.count == min(3, qualifying))
            }
        }
    }

    @Test(arguments: [false, true])
    func ownQuery(indexed: Bool) async throws {
        let w = try await world(indexed: indexed)
        // /query with agent_id: only that agent's own memories.
        for reader in ["X", "S", "O"] {
            let r = try await w.e.query(project: P, QueryRequest(query: Self.text, agentId: reader, topK: 100))
            let seen = Set(r.memories.map(\.id)).intersection(canaries(w))
            #expect(seen == (reader == "X" ? [w.priv, w.shared, w.global] : []))
            #expect(r.memories.allSatisfy { $0.agentId == reader })
        }
        // Without agent_id: global memories only.
        let anon = try await w.e.query(project: P, QueryRequest(query: Self.text, topK: 100))
        #expect(Set(anon.memories.map(\.id)).intersection(canaries(w)) == [w.global])
        #expect(anon.memories.allSatisfy { $0.scope == "global" })
    }

    @Test func playbookHandoffGetExportWithBoundKeys() async throws {
        let w = try await world(indexed: false)
        // Make X's memories playbook-visible: reflections with the same text.
        let rPriv = try await w.e.reflection(project: P, ReflectionRequest(content: Self.text + " r private", agentId: "X", scope: "agent-private")).id
        let rShared = try await w.e.delta(project: P, DeltaRequest(operations: [
            DeltaOperation(type: "add", content: Self.text + " r shared", memoryType: "strategy", agentId: "X", scope: "agent-shared"),
        ])).results[0].memoryId!
        let rGlobal = try await w.e.reflection(project: P, ReflectionRequest(content: Self.text + " r global", agentId: "X")).id
        for reader in ["X", "S", "O"] {
            let pb = try await w.e.playbook(project: P, PlaybookRequest(query: Self.text, agentId: reader, topK: 100))
            let ids = Set(pb.entries.map(\.id))
            #expect(ids.contains(rGlobal))
            #expect(ids.contains(rPriv) == (reader == "X"))
            // agent-shared with nobody listed: owner only (1.2 leaked it via the shared_with rule).
            #expect(ids.contains(rShared) == (reader == "X"))
            // Handoff from X to reader: only what the reader may read.
            let baton = try await w.e.handoff(project: P, HandoffRequest(sourceAgentId: "X", targetAgentId: reader, maxMemories: 100))
            let expected = allowed(w, reader: reader).union(reader == "X" ? [rPriv, rShared, rGlobal] : [rGlobal])
            #expect(Set(baton.memoryIds) == expected)
            let batonCtx = try await w.e.handoff(project: P, HandoffRequest(sourceAgentId: "X", targetAgentId: reader,
                                                                              taskContext: Self.text, maxMemories: 100))
            #expect(Set(batonCtx.memoryIds) == expected)
            // Agent-bound key for `reader`: GET, export.
            for id in [w.priv, w.shared, w.global] {
                let visible = allowed(w, reader: reader).contains(id)
                let got = try? await w.e.get(project: P, id: id, boundAgent: reader)
                #expect((got != nil) == visible)
            }
            let exported = Set(try w.e.exportMemories(project: P, ExportFilter(), boundAgent: reader).map(\.id))
            #expect(exported.intersection(canaries(w)) == allowed(w, reader: reader))
        }
        // Spoofing with a bound key is 403.
        #expect(await expectError(.forbidden) { _ = try await w.e.query(project: P, QueryRequest(query: "q", agentId: "X"), boundAgent: "O") } != nil)
        #expect(await expectError(.forbidden) {
            _ = try await w.e.queryCrossAgent(project: P, CrossAgentQueryRequest(query: "q", requestingAgentId: "X"), boundAgent: "O")
        } != nil)
        #expect(await expectError(.forbidden) { _ = try await w.e.addText("x", agent: "X").description; _ = try await w.e.add(project: P, AddMemoryRequest(content: "y", agentId: "X"), boundAgent: "O") } != nil)
        #expect(await expectError(.forbidden) {
            _ = try await w.e.handoff(project: P, HandoffRequest(sourceAgentId: "X", targetAgentId: "S"), boundAgent: "O")
        } != nil)
        #expect(await expectError(.forbidden) {
            _ = try await w.e.playbook(project: P, PlaybookRequest(query: "q", agentId: "X"), boundAgent: "O")
        } != nil)
        #expect(await expectError(.forbidden) {
            _ = try await w.e.vote(project: P, memoryId: w.global, VoteRequest(vote: "helpful", voterAgentId: "X"), boundAgent: "O")
        } != nil)
        // Bound keys: private memories of others are not found (no existence leak), deleting others' is refused.
        #expect(await expectError(.notFound) { try await w.e.delete(project: P, id: w.priv, boundAgent: "O") } != nil)
        #expect(await expectError(.forbidden) { try await w.e.delete(project: P, id: w.global, boundAgent: "O") } != nil)
        // Other project: nothing, ever.
        let anyQ = try await w.e.queryCrossAgent(project: P, CrossAgentQueryRequest(query: Self.text + " other project",
                                                                                     requestingAgentId: "X", topK: 100))
        #expect(!anyQ.memories.map(\.id).contains(w.otherProject))
        #expect(!Set(try w.e.exportMemories(project: P, ExportFilter()).map(\.id)).contains(w.otherProject))
    }
}
