import Testing
import AegisCore
@testable import AegisEngine

/// R22: canaries in project B; random requests of every kind from project A (including B's
/// ids and B's exact texts) never return a B canary, and B's ids behave as missing.
@Suite struct ProjectIsolationTests {
    @Test func randomRequestsNeverCrossProjects() async throws {
        let e = try await makeEngine()
        let canary = "CANARY-B secret launch codes"
        var bIds: [String] = []
        for agent in ["x", "y"] {
            for scope in Scope.allCases {
                bIds.append(try await e.addText("\(canary) \(agent) \(scope.rawValue)", project: Q, agent: agent, scope: scope))
            }
        }
        let bReflection = try await e.reflection(project: Q, ReflectionRequest(content: canary + " reflection", agentId: "x")).id
        bIds.append(bReflection)
        _ = try await e.createSession(project: Q, CreateSessionRequest(sessionId: "b-session", agentId: "x"))
        _ = try await e.createFeature(project: Q, CreateFeatureRequest(featureId: "b-feature", description: canary))
        for i in 0..<20 { _ = try await e.addText("project A note \(i) launch", agent: ["x", "y", "z"][i % 3], scope: .global) }

        func clean(_ texts: [String]) { #expect(!texts.contains { $0.contains("CANARY-B") }) }
        var rng = SplitMix(seed: 99)
        let agents = ["x", "y", "z", nil]
        for round in 0..<250 {
            let agent = agents[Int(rng.next() % 4)]
            let bId = bIds[Int(rng.next() % UInt64(bIds.count))]
            switch round % 10 {
            case 0: clean(try await e.query(project: P, QueryRequest(query: canary, agentId: agent, topK: 100)).memories.map(\.content))
            case 1: clean(try await e.queryCrossAgent(project: P, CrossAgentQueryRequest(query: canary, requestingAgentId: agent ?? "x", topK: 100)).memories.map(\.content))
            case 2: #expect(await expectError(.notFound) { _ = try await e.get(project: P, id: bId) } != nil)
            case 3: #expect(await expectError(.notFound) { _ = try await e.vote(project: P, memoryId: bId, VoteRequest(vote: "helpful", voterAgentId: "x")) } != nil)
            case 4:
                let d = try await e.delta(project: P, DeltaRequest(operations: [DeltaOperation(type: "deprecate", memoryId: bId)]))
                #expect(d.results[0].error == "Memory not found")
            case 5: clean(Array(try e.exportMemories(project: P, ExportFilter(includeExpired: true))).map(\.content))
            case 6: clean(try await e.handoff(project: P, HandoffRequest(sourceAgentId: "x", targetAgentId: agent ?? "y", taskContext: canary, maxMemories: 100)).keyFacts)
            case 7: clean(try await e.playbook(project: P, PlaybookRequest(query: canary, agentId: agent ?? "x", topK: 100)).entries.map(\.content))
            case 8:
                #expect(await expectError(.notFound) { _ = try await e.getSession(project: P, sessionId: "b-session") } != nil)
                #expect(await expectError(.notFound) { _ = try await e.patchFeature(project: P, featureId: "b-feature", PatchFeatureRequest(passes: true)) } != nil)
            default:
                #expect(await expectError(.notFound) { try await e.delete(project: P, id: bId) } != nil)
                clean(try await e.dashboardActivity(project: P, DashboardRequest(limit: 1000)).items.map(\.contentPreview))
                #expect(try await e.listFeatures(project: P, ListFeaturesRequest()).total == 0)
            }
        }
        // B is untouched.
        for id in bIds { _ = try await e.get(project: Q, id: id) }
        let bMem = try await e.get(project: Q, id: bReflection)
        #expect(bMem.bulletHelpful == 0 && !bMem.isDeprecated)
    }
}
