import Testing
import AegisCore
@testable import AegisEngine

@Suite struct ACETests {
    @Test func deltaIsAtomicWithAFailingOperationInTheMiddle() async throws {
        let e = try await makeEngine()
        let target = try await e.addText("keep me", agent: "a")
        let before = try await e.get(project: P, id: target)
        let r = try await e.delta(project: P, DeltaRequest(operations: [
            DeltaOperation(type: "add", content: "new strategy", memoryType: "strategy", agentId: "a"),
            DeltaOperation(type: "update", memoryId: target, metadataPatch: ["k": .int(1)]),
            DeltaOperation(type: "deprecate", memoryId: "0123456789abcdef0123456789abcdef"),   // missing → fails
            DeltaOperation(type: "add", content: "another", agentId: "a"),
        ]))
        #expect(r.results.map(\.success) == [false, false, false, false])
        #expect(r.results[2].error == "Memory not found" && r.results[2].memoryId == "0123456789abcdef0123456789abcdef")
        #expect(r.results[0].error?.contains("atomic") == true && r.results[0].memoryId == nil)
        // Nothing applied.
        let after = try await e.get(project: P, id: target)
        #expect(after == before)
        let total = try await e.dashboardStats(project: P, DashboardRequest()).totalMemories
        #expect(total == 1)
    }

    @Test func deltaUpdatesAndDeprecationsPersist() async throws {
        let e = try await makeEngine()
        let target = try await e.addText("old approach", agent: "a", scope: .global)
        let r = try await e.delta(project: P, DeltaRequest(operations: [
            DeltaOperation(type: "add", content: "lesson learned", memoryType: "reflection", agentId: "a"),
            DeltaOperation(type: "update", memoryId: target, metadataPatch: ["k": .int(1)]),
            DeltaOperation(type: "deprecate", agentId: "a", memoryId: target, supersededBy: "x", deprecationReason: "outdated"),
        ]))
        #expect(r.results.allSatisfy { $0.success })
        let m = try await e.get(project: P, id: target)
        #expect(m.metadata["k"] == .int(1) && m.metadata["deprecation_reason"] == .string("outdated"))
        #expect(m.isDeprecated && m.supersededBy == "x")
        let added = try await e.get(project: P, id: r.results[0].memoryId!)
        #expect(added.memoryType == "reflection" && added.scope == "global")
        // Deprecated memories leave query results.
        #expect(try await e.query(project: P, QueryRequest(query: "old approach")).memories.map(\.id).contains(target) == false)
        // Validation: unknown type / memory_type are 422 with locations.
        let bad = await expectError(.validation) {
            _ = try await e.delta(project: P, DeltaRequest(operations: [DeltaOperation(type: "merge"),
                                                                         DeltaOperation(type: "add", content: "x", memoryType: "a-very-long-type")]))
        }
        #expect(bad?.issues.map(\.loc) == [[.key("body"), .key("operations"), .index(0), .key("type")],
                                           [.key("body"), .key("operations"), .index(1), .key("memory_type")]])
        #expect(await expectError(.validation) { _ = try await e.delta(project: P, DeltaRequest(operations: [])) }?.issues.first?.type == "too_short")
    }

    @Test func concurrentVotesGiveExactCounters() async throws {
        let e = try await makeEngine()
        let id = try await e.addText("vote on me", agent: "a")
        try await withThrowingTaskGroup(of: Void.self) { g in
            for i in 0..<200 {
                g.addTask { _ = try await e.vote(project: P, memoryId: id, VoteRequest(vote: i % 4 == 0 ? "harmful" : "helpful", voterAgentId: "v\(i)")) }
            }
            try await g.waitForAll()
        }
        let m = try await e.get(project: P, id: id)
        #expect(m.bulletHelpful == 150 && m.bulletHarmful == 50)
        #expect(m.effectivenessScore == 100.0 / 201.0)
        let missing = await expectError(.notFound) {
            _ = try await e.vote(project: P, memoryId: "ffffffffffffffffffffffffffffffff", VoteRequest(vote: "helpful", voterAgentId: "v"))
        }
        #expect(missing?.message == "Memory not found")
        #expect(await expectError(.validation) { _ = try await e.vote(project: P, memoryId: id, VoteRequest(vote: "meh", voterAgentId: "v")) }?
            .issues.first?.msg == "Input should be 'helpful' or 'harmful'")
        // Deleting the memory removes its votes (eval no longer counts them).
        try await e.delete(project: P, id: id)
        #expect(try await e.evalMetrics(project: P, EvalRequest()).helpfulVotes == 0)
    }

    @Test func playbookTypesEffectivenessAndExpiry() async throws {
        let clock = ManualClock()
        let e = try await makeEngine(clock: clock)
        let good = try await e.reflection(project: P, ReflectionRequest(content: "retry with backoff on 429", agentId: "a",
                                                                         errorPattern: "HTTP 429", correctApproach: "backoff")).id
        let bad = try await e.reflection(project: P, ReflectionRequest(content: "retry immediately on 429", agentId: "a")).id
        _ = try await e.addText("retry standard memory on 429", agent: "a", scope: .global)
        _ = try await e.vote(project: P, memoryId: good, VoteRequest(vote: "helpful", voterAgentId: "b"))
        _ = try await e.vote(project: P, memoryId: bad, VoteRequest(vote: "harmful", voterAgentId: "b"))
        let all = try await e.playbook(project: P, PlaybookRequest(query: "retry on 429", agentId: "b"))
        #expect(Set(all.entries.map(\.id)) == [good, bad])
        #expect(all.entries.first { $0.id == good }?.errorPattern == "HTTP 429")
        let positive = try await e.playbook(project: P, PlaybookRequest(query: "retry on 429", agentId: "b", topK: 1, minEffectiveness: 0.1))
        #expect(positive.entries.map(\.id) == [good])   // min_effectiveness before top_k
        let reflection = try await e.get(project: P, id: good)
        #expect(reflection.metadata["correct_approach"] == .string("backoff"))
        #expect(try await e.playbook(project: P, PlaybookRequest(query: "retry", agentId: "b", includeTypes: [])).entries.isEmpty)
        #expect(await expectError(.validation) { _ = try await e.playbook(project: P, PlaybookRequest(query: "q", agentId: "b", includeTypes: ["nope"])) } != nil)
    }
}

@Suite struct SessionFeatureEvalTests {
    @Test func sessionsLifecycleAndConflicts() async throws {
        let e = try await makeEngine()
        let s = try await e.createSession(project: P, CreateSessionRequest(sessionId: "s1", agentId: "a"))
        #expect(s.status == "active" && s.completedCount == 0 && s.progressPercent == 0)
        #expect(await expectError(.conflict) { _ = try await e.createSession(project: P, CreateSessionRequest(sessionId: "s1")) } != nil)
        // Same session id in another project is independent.
        _ = try await e.createSession(project: Q, CreateSessionRequest(sessionId: "s1"))
        let p1 = try await e.patchSession(project: P, sessionId: "s1", PatchSessionRequest(completedItems: ["c", "a"], inProgressItem: "b", totalItems: 4))
        #expect(p1.completedItems == ["c", "a"] && p1.progressPercent == 50 && p1.inProgressItem == "b")
        let p2 = try await e.patchSession(project: P, sessionId: "s1", PatchSessionRequest(completedItems: ["b"]))
        #expect(p2.completedItems == ["c", "a", "b"] && p2.inProgressItem == nil && p2.progressPercent == 75)
        #expect(await expectError(.validation) { _ = try await e.patchSession(project: P, sessionId: "s1", PatchSessionRequest(status: "done")) } != nil)
        #expect(await expectError(.validation) { _ = try await e.patchSession(project: P, sessionId: "s1", PatchSessionRequest(totalItems: -1)) } != nil)
        #expect(await expectError(.notFound) { _ = try await e.getSession(project: P, sessionId: "nope") }?.message == "Session not found")
        let fetched = try await e.getSession(project: P, sessionId: "s1")
        #expect(fetched == p2)
        let rows = try await e.dashboardSessions(project: P, DashboardRequest())
        #expect(rows.sessions.map(\.sessionId) == ["s1"])
        #expect(try await e.dashboardSessions(project: P, DashboardRequest(agentId: "zzz")).sessions.isEmpty)
        #expect(await expectError(.validation) { _ = try await e.dashboardActivity(project: P, DashboardRequest(limit: -1)) } != nil)
    }

    @Test func featuresAndEval() async throws {
        let clock = ManualClock()
        let e = try await makeEngine(clock: clock)
        _ = try await e.createFeature(project: P, CreateFeatureRequest(featureId: "login", description: "Login works", testSteps: ["a"]))
        #expect(await expectError(.conflict) { _ = try await e.createFeature(project: P, CreateFeatureRequest(featureId: "login", description: "d")) } != nil)
        _ = try await e.createFeature(project: P, CreateFeatureRequest(featureId: "login", description: "other ns", namespace: "ns2"))
        _ = try await e.createFeature(project: P, CreateFeatureRequest(featureId: "export", description: "Export works"))
        clock.advance(seconds: 30)
        let done = try await e.patchFeature(project: P, featureId: "login", PatchFeatureRequest(status: "complete", passes: true, verifiedBy: "qa"))
        #expect(done.passes && done.completedAt != nil)
        _ = try await e.patchFeature(project: P, featureId: "export", PatchFeatureRequest(status: "failed", failureReason: "timeout"))
        #expect(await expectError(.validation) { _ = try await e.patchFeature(project: P, featureId: "export", PatchFeatureRequest(status: "complete", passes: false)) } != nil)
        #expect(await expectError(.notFound) { _ = try await e.getFeature(project: P, featureId: "export", namespace: "ns2") }?.message == "Feature not found")
        let list = try await e.listFeatures(project: P, ListFeaturesRequest())
        #expect(list.features.map(\.featureId) == ["login", "export"] && list.total == 2 && list.passing == 1 && list.failing == 1)
        let id = try await e.addText("fix auth", agent: "a")
        _ = try await e.vote(project: P, memoryId: id, VoteRequest(vote: "helpful", voterAgentId: "v", taskId: "login"))
        _ = try await e.vote(project: P, memoryId: id, VoteRequest(vote: "harmful", voterAgentId: "w", taskId: "export"))
        let m = try await e.evalMetrics(project: P, EvalRequest(namespace: "default"))
        #expect(m == EvalMetrics(successRate: 0.5, retrievalPrecision: pythonRound(1.0 / 3.0, digits: 4), pollutionRate: 1,
                                 mttrSeconds: 30, totalTasks: 2, passingTasks: 1, totalMemories: 1, helpfulVotes: 1,
                                 harmfulVotes: 1, window: "global"))
        let c = try await e.evalCorrelation(project: P, EvalRequest(namespace: "default"))
        #expect(c == EvalCorrelation(correlationScore: 1, probPassGivenHelpful: 1, probPassGivenHarmful: 0, sampleSize: 2,
                                     helpfulCount: 1, harmfulCount: 1))
        let onlyV = try await e.evalCorrelation(project: P, EvalRequest(namespace: "default", agentId: "v"))
        #expect(onlyV.sampleSize == 1 && onlyV.harmfulCount == 0)
        for w in ["24h", "7d", "30d", "global"] { _ = try await e.evalMetrics(project: P, EvalRequest(window: w)) }
        #expect(await expectError(.badRequest) { _ = try await e.evalMetrics(project: P, EvalRequest(window: "1y")) }?.message
                == "Invalid window. Use 24h, 7d, 30d, or global.")
        #expect(await expectError(.badRequest) { _ = try await e.evalCorrelation(project: P, EvalRequest(window: "1y")) } != nil)
        let stats = try await e.dashboardStats(project: P, DashboardRequest())
        #expect(stats.totalMemories == 1 && stats.totalFeatures == 2 && stats.topAgents == [AgentCount(agentId: "a", memoryCount: 1)])
        #expect(try await e.dashboardStats(project: P, DashboardRequest(namespace: "ns2")).totalMemories == 0)
        #expect(try await e.dashboardStats(project: P, DashboardRequest(agentId: "b")).totalMemories == 0)
    }
}
