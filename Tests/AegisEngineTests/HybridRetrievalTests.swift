import Testing
import AegisCore
import AegisLexical
import AegisStorage
@testable import AegisEngine

/// Hybrid retrieval (docs/hybrid-retrieval.md): the BM25 channel kept by every write path,
/// filtered inside the ACL, fused with the vectors.
@Suite struct HybridRetrievalTests {
    func lexicalIds(_ e: AegisEngine, _ project: String = P) -> Set<String> {
        e.lexical.withIndex(project) { Set($0?.documentIds ?? []) }
    }

    @Test func identifierQueryFindsTheExactNote() async throws {
        let e = try await makeEngine()
        var ids: [String: String] = [:]
        for code in ["4471", "4417", "4714", "7441", "1447"] {
            ids[code] = try await e.addText("Checkout failed with ERR_PAYMENT_\(code) after the card was declined", scope: .global)
        }
        for mode in [Retrieval.lexical, .hybrid] {
            let r = try await e.query(project: P, QueryRequest(query: "ERR_PAYMENT_4417", topK: 3, retrieval: mode))
            #expect(r.memories.first?.id == ids["4417"], "\(mode)")
        }
        let h = try await e.hybridQuery(project: P, HybridQueryRequest(query: "what broke ERR_PAYMENT_7441", explain: true))
        #expect(h.results.first?.id == ids["7441"])
        let x = try #require(h.results.first?.explain)
        #expect(x.lexicalRank == 1 && x.bm25Score! > 0 && x.denseRank != nil)
        #expect(abs(x.fusedScore - (1 / (60 + Double(x.denseRank!)) + 1 / 61.0)) < 1e-12)
        #expect(h.results.count == 5 && h.candidatePool == 40 && h.mode == "hybrid" && !h.decayApplied)
    }

    @Test func aclIsAppliedInsideSoAnswersAreNeverShort() async throws {
        let e = try await makeEngine()
        // 60 private notes of agent b that all match the query better, 7 visible to agent a.
        for i in 0..<60 { try await e.addText("deploy token rotation deploy token \(i)", agent: "b", scope: .agentPrivate) }
        var visible: Set<String> = []
        for i in 0..<4 { visible.insert(try await e.addText("token rotation note \(i)", agent: "a", scope: .agentPrivate)) }
        for i in 0..<3 { visible.insert(try await e.addText("shared token note \(i)", agent: "c", scope: .agentShared, shared: ["a"])) }
        for mode in [Retrieval.lexical, .hybrid] {
            let r = try await e.queryCrossAgent(project: P, CrossAgentQueryRequest(query: "deploy token rotation", requestingAgentId: "a",
                                                                                   topK: 10, retrieval: mode))
            #expect(Set(r.memories.map(\.id)) == visible, "\(mode)")
            let own = try await e.query(project: P, QueryRequest(query: "deploy token rotation", agentId: "a", topK: 3, retrieval: mode))
            #expect(own.memories.count == 3 && own.memories.allSatisfy { $0.agentId == "a" }, "\(mode)")
        }
        let h = try await e.hybridQuery(project: P, HybridQueryRequest(query: "deploy token", agentId: "a", topK: 20))
        #expect(Set(h.results.map(\.id)) == visible)
        let anon = try await e.hybridQuery(project: P, HybridQueryRequest(query: "deploy token", topK: 20))
        #expect(anon.results.isEmpty)
    }

    @Test func deleteDeprecateAndExpiryRemoveTerms() async throws {
        let clock = ManualClock()
        let e = try await makeEngine(clock: clock)
        let a = try await e.addText("zanzibar cache eviction", scope: .global)
        let b = try await e.addText("zanzibar cache warmup", agent: "x", scope: .global)
        let c = try await e.addText("zanzibar short lived", scope: .global, ttl: 30)
        #expect(lexicalIds(e) == [a, b, c])
        try await e.delete(project: P, id: a)
        _ = try await e.delta(project: P, DeltaRequest(operations: [DeltaOperation(type: "deprecate", memoryId: b)]))
        #expect(lexicalIds(e) == [c])
        clock.advance(seconds: 30)
        // Expired but not yet swept: indexed, never returned.
        #expect(try await e.query(project: P, QueryRequest(query: "zanzibar", retrieval: .lexical)).memories.isEmpty)
        #expect(try await e.sweepExpired() == 1)
        #expect(lexicalIds(e).isEmpty)
        #expect(e.lexical.statistics().postings == 0 && e.lexical.statistics().terms == 0)
    }

    @Test func defaultRetrievalComesFromTheConfiguration() async throws {
        var c = EngineConfiguration()
        c.queryRetrieval = .lexical
        let e = try await makeEngine(configuration: c)
        try await e.addText("alpha beta", scope: .global)
        try await e.addText("gamma delta", scope: .global)
        // Lexical: only the memory sharing a token, scored by BM25 (dense would return both).
        let r = try await e.query(project: P, QueryRequest(query: "gamma"))
        #expect(r.memories.count == 1 && r.memories[0].content == "gamma delta")
        #expect(try await e.query(project: P, QueryRequest(query: "gamma", retrieval: .dense)).memories.count == 2)
    }

    @Test func decayScalesByAgeAndEffectiveness() async throws {
        let clock = ManualClock()
        let e = try await makeEngine(clock: clock)
        let old = try await e.addText("kubernetes pod restart loop", scope: .global)
        clock.advance(seconds: 30 * 86_400)
        let new = try await e.addText("kubernetes pod restart loops", scope: .global)
        let plain = try await e.hybridQuery(project: P, HybridQueryRequest(query: "kubernetes pod restart loop", explain: true))
        #expect(plain.results.first?.id == old)
        let decayed = try await e.hybridQuery(project: P, HybridQueryRequest(query: "kubernetes pod restart loop", applyDecay: true, explain: true))
        #expect(decayed.decayApplied && decayed.results.first?.id == new)
        let oldHit = try #require(decayed.results.first { $0.id == old })
        #expect(abs(oldHit.explain!.decayFactor! - 0.5) < 1e-9)   // one 30-day half-life, unvoted
        #expect(abs(oldHit.score - oldHit.explain!.fusedScore * 0.5) < 1e-12)
    }

    @Test func validationIs422Shaped() async throws {
        let e = try await makeEngine()
        let err = await expectError(.validation) {
            _ = try await e.hybridQuery(project: P, HybridQueryRequest(query: "", topK: 0, candidatePool: 5))
        }
        #expect(err?.issues.map { $0.loc.last! } == [.key("query"), .key("top_k"), .key("candidate_pool")])
    }

    @Test func restartAndKillRebuildTheSameIndex() async throws {
        let dir = tempDir("lexical-restart")
        defer { removeTree(dir) }
        var e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        var ids: [String] = []
        for i in 0..<40 { ids.append(try await e.addText("incident INC-\(2200 + i) on db-auth-\(i % 7).internal retry \(i % 3)", scope: .global)) }
        try await e.delete(project: P, id: ids[3])
        _ = try await e.patch(project: P, id: ids[5], PatchMemoryRequest(content: "rewritten note about INC-9999"))
        let queries = ["INC-2210", "db-auth-3.internal", "retry", "INC-9999 rewritten", "INC-2205"]
        func answers(_ e: AegisEngine) async throws -> [[String]] {
            var out: [[String]] = []
            for q in queries { out.append(try await e.query(project: P, QueryRequest(query: q, retrieval: .lexical)).memories.map(\.id)) }
            return out
        }
        let before = try await answers(e)
        let stats = e.lexical.statistics()
        // INC-2205 was rewritten: other notes still share `inc`, but not the whole identifier.
        #expect(before[3].first == ids[5])
        #expect(e.lexical.withIndex(P) { $0!.search(queryTokens: ["inc-2205"], limit: 5) }.isEmpty)
        #expect(e.lexical.withIndex(P) { $0!.search(queryTokens: ["inc-2203"], limit: 5) }.isEmpty)   // deleted
        try await e.close()
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        #expect(try await answers(e) == before)
        #expect(e.lexical.statistics().documents == stats.documents && e.lexical.statistics().terms == stats.terms)
        // kill -9: log only, no final checkpoint.
        try await e.addText("after the checkpoint INC-7777", scope: .global)
        let mid = try await answers(e)
        try await closeWithoutCheckpoint(e)
        e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        let late = try await e.query(project: P, QueryRequest(query: "INC-7777", retrieval: .lexical)).memories
        #expect(late.first?.content == "after the checkpoint INC-7777")
        #expect(try await answers(e) == mid)
        try await e.close()
    }

    @Test func pointInTimeRestoreGivesTheIndexOfThatPoint() async throws {
        let dir = tempDir("lexical-pitr"), backup = dir + "-backup", restored = dir + "-restored"
        defer { removeTree(dir); removeTree(backup); removeTree(restored) }
        let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder)
        var ids: [String] = []
        for i in 0..<30 {
            ids.append(try await e.addText("ticket INC-\(3000 + i) host api-\(i % 4).prod note", scope: .global))
            if i == 19 { try await e.checkpoint() }   // the restore replays the log from here
        }
        let queries = ["INC-3007", "api-2.prod", "ticket host", "INC-3012 rewritten"]
        func answers(_ e: AegisEngine) async throws -> [[String]] {
            var out: [[String]] = []
            for q in queries { out.append(try await e.query(project: P, QueryRequest(query: q, topK: 30, retrieval: .lexical)).memories.map(\.id)) }
            return out
        }
        let atPoint = try await answers(e)
        let lsn = e.backend.committedLSN()
        _ = try await e.patch(project: P, id: ids[12], PatchMemoryRequest(content: "INC-3012 rewritten entirely"))
        try await e.delete(project: P, id: ids[7])
        _ = try await e.delta(project: P, DeltaRequest(operations: [DeltaOperation(type: "deprecate", memoryId: ids[2])]))
        #expect(try await answers(e) != atPoint)
        _ = try Backup.create(dataDirectory: dir, backupDirectory: backup)   // live backup
        try await e.close()
        _ = try Backup.restore(backupDirectory: backup, dataDirectory: restored, target: .lsn(lsn))
        let r = try await AegisEngine.open(directory: restored, embedder: hashEmbedder)
        #expect(try await answers(r) == atPoint)
        try await r.close()
    }
}
