import AegisCore
import AegisLexical

/// One candidate after fusion (docs/hybrid-retrieval.md, "Fusion").
struct FusedHit {
    var id: String
    var denseRank: Int?
    var denseScore: Double?
    var lexicalRank: Int?
    var bm25: Double?
    var fused: Double
    var decay: Double?
    /// The score reported: similarity (dense), BM25 (lexical), fused × decay (hybrid).
    var score: Double
}

extension AegisEngine {
    /// RRF's k (docs/hybrid-retrieval.md): a hit at rank r (1-based) adds 1 / (k + r).
    static let rrfK = 60.0

    /// `POST /memories/hybrid_query` (Aegis 2.4; docs/api.md): BM25 and vectors, each filtered
    /// inside (ACL as `agent_id`, or global only without it; namespace; user; not expired;
    /// not deprecated) before its pool is cut, fused with RRF.
    public func hybridQuery(project: String, _ request: HybridQueryRequest, boundAgent: String? = nil) async throws -> HybridQueryResponse {
        try await operation {
            let start = monotonicNanos()
            var v = Validator(.key("body"))
            v.string(request.query, [.key("query")], min: 1, max: 10_000)
            v.int(request.topK, [.key("top_k")], min: 1, max: 100)
            v.int(request.candidatePool, [.key("candidate_pool")], min: 10, max: 200)
            try v.check()
            try checkBound(boundAgent, request.agentId, field: "agent_id")
            let filter = MemoryFilter(reader: request.agentId.map { .agent($0) } ?? .anonymous, namespace: request.namespace,
                                      userId: request.userId, notExpiredAt: now())
            let pool = max(request.candidatePool, request.topK)
            let fused = try await retrieve(project: project, text: request.query, filter: filter, k: request.topK, pool: pool,
                                           mode: .hybrid, minScore: nil, ef: nil, decay: request.applyDecay)
            let results: [HybridHit] = backend.read { view in
                fused.compactMap { h in
                    guard let m = view.memoryWithoutVector(projectId: project, id: h.id) else { return nil }
                    return HybridHit(id: m.id, content: m.content, score: h.score, memoryType: m.memoryType.rawValue,
                                     scope: m.scope.rawValue, effectiveness: m.effectivenessScore, agentId: m.agentId,
                                     explain: request.explain ? HybridExplanation(denseRank: h.denseRank, denseScore: h.denseScore,
                                                                                  lexicalRank: h.lexicalRank, bm25Score: h.bm25,
                                                                                  fusedScore: h.fused, decayFactor: h.decay) : nil)
                }
            }
            return HybridQueryResponse(results: results, mode: "hybrid", candidatePool: pool,
                                       decayApplied: request.applyDecay, queryTimeMs: elapsedMs(since: start))
        }
    }

    /// The `retrieval` of `/memories/query` and `query_cross_agent`: dense is the 1.2 path;
    /// hybrid and lexical report the fused / BM25 score, a positive `min_score` bounding it.
    func search(project: String, text: String, filter: MemoryFilter, k: Int, minScore: Double, ef: Int?,
                retrieval: Retrieval?) async throws -> [MemoryOut] {
        let mode = retrieval ?? configuration.queryRetrieval
        if mode == .dense {
            return try await search(project: project, text: text, filter: filter, k: k, minScore: minScore, ef: ef).0
        }
        let fused = try await retrieve(project: project, text: text, filter: filter, k: k,
                                       pool: max(configuration.hybridCandidatePool, k), mode: mode,
                                       minScore: minScore, ef: ef, decay: false)
        return backend.read { view in
            fused.compactMap { h in view.memoryWithoutVector(projectId: project, id: h.id).map { memoryOut($0, score: h.score) } }
        }
    }

    /// Both channels with `filter` inside, each cut to `pool`, fused, then the best `k`.
    /// Never fewer than min(k, visible matches): the dense pool holds min(pool, visible)
    /// memories and pool ≥ k; in lexical mode a match is a visible memory sharing a token.
    func retrieve(project: String, text: String, filter: MemoryFilter, k: Int, pool: Int, mode: Retrieval,
                  minScore: Double?, ef: Int?, decay: Bool) async throws -> [FusedHit] {
        var dense: [Hit] = []
        if mode != .lexical {
            let q = try await embed([text])[0]
            var stats = SearchStats()
            dense = searchVectors(project: project, query: q, filter: filter, k: mode == .dense ? k : pool,
                                  minScore: -2, ef: ef, stats: &stats)
        }
        let lexical = mode == .dense ? [] : lexicalSearch(project: project, text: text, filter: filter, limit: pool)
        var byId: [String: FusedHit] = [:]
        for (i, h) in dense.enumerated() {
            byId[h.id] = FusedHit(id: h.id, denseRank: i + 1, denseScore: Double(h.score), fused: 1 / (Self.rrfK + Double(i + 1)),
                                  score: 0)
        }
        for (i, h) in lexical.enumerated() {
            let add = 1 / (Self.rrfK + Double(i + 1))
            if var f = byId[h.id] {
                f.lexicalRank = i + 1; f.bm25 = h.score; f.fused += add
                byId[h.id] = f
            } else {
                byId[h.id] = FusedHit(id: h.id, lexicalRank: i + 1, bm25: h.score, fused: add, score: 0)
            }
        }
        var hits = Array(byId.values)
        for i in hits.indices {
            switch mode {
            case .dense: hits[i].score = hits[i].denseScore ?? 0
            case .lexical: hits[i].score = hits[i].bm25 ?? 0
            case .hybrid: hits[i].score = hits[i].fused
            }
        }
        if decay {
            let nowT = now()
            backend.read { view in
                for i in hits.indices {
                    guard let m = view.memoryWithoutVector(projectId: project, id: hits[i].id) else { continue }
                    let age = Double(nowT.microseconds - m.createdAt.microseconds) / 1e6
                    let f = configuration.decay.factor(type: m.memoryType.rawValue, ageSeconds: age,
                                                       effectiveness: m.effectivenessScore)
                    hits[i].decay = f
                    hits[i].score *= f
                }
            }
        }
        // A positive min_score bounds the reported score; 0 (the default) is no bound here, as
        // BM25Okapi's ε rule can score a match below 0 in a tiny corpus (docs/hybrid-retrieval.md).
        if let minScore, minScore > 0 { hits.removeAll { $0.score < minScore - 1e-6 } }
        hits.sort(by: Self.fusedBefore)
        return Array(hits.prefix(k))
    }

    /// Score descending; ties: better dense rank, better lexical rank (absent last), id.
    static func fusedBefore(_ a: FusedHit, _ b: FusedHit) -> Bool {
        if a.score != b.score { return a.score > b.score }
        let da = a.denseRank ?? Int.max, db = b.denseRank ?? Int.max
        if da != db { return da < db }
        let la = a.lexicalRank ?? Int.max, lb = b.lexicalRank ?? Int.max
        if la != lb { return la < lb }
        return a.id < b.id
    }

    /// The BM25 channel: the project's index, each candidate admitted by the same compiled
    /// filter the vector search uses (`SlotMatcher`), before the pool is cut.
    func lexicalSearch(project: String, text: String, filter: MemoryFilter, limit: Int) -> [LexicalHit] {
        let tokens = LexicalTokenizer.tokens(text)
        guard !tokens.isEmpty else { return [] }
        return spaces.withSpace(project) { space -> [LexicalHit] in
            guard let space else { return [] }
            return space.withMatcher(filter) { m in
                lexical.search(project: project, tokens: tokens, limit: limit) { id in
                    guard let slot = space.slotOf[id] else { return false }
                    return m.matches(Int(slot))
                }
            }
        }
    }
}
