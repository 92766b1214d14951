import AegisCore

/// How a query ran — for `aegis-memory explain` / an admin route; never part of 1.2 shapes.
public struct QueryExplanation: Sendable, Equatable {
    /// `index` (HNSW walk with the filter inside) or `exact` (scan of the admitted set).
    public var mode: String
    public var efSearch: Int
    public var nodesVisited: Int
    public var distanceComputations: Int
    /// Memories the filter admits / memories in the project's vector space.
    public var admitted: Int
    public var total: Int
    public var filterSelectivity: Double
    public var fellBackToExact: Bool
    public var resultCount: Int
    public var embedMs: Double
    public var searchMs: Double
    public var totalMs: Double
    /// The filter in words (reader, namespace, owners, types, expiry, deprecation).
    public var filter: String
}

extension AegisEngine {
    /// `POST /memories/query` (§4.3): with `agent_id` X — X's own memories; without — global
    /// memories. Not expired, not deprecated; `min_score` applied before the limit.
    public func query(project: String, _ request: QueryRequest, boundAgent: String? = nil) async throws -> QueryResponse {
        try await operation {
            let start = monotonicNanos()
            var v = Validator(.key("body"))
            v.string(request.query, [.key("query")], min: 1, max: 10_000)
            v.int(request.topK, [.key("top_k")], min: 1, max: 100)
            v.double(request.minScore, [.key("min_score")], min: 0, max: 1)
            v.int(request.efSearch, [.key("ef_search")], min: 1, max: 4096)
            try v.check()
            try checkBound(boundAgent, request.agentId, field: "agent_id")
            // Without agent_id the 1.2 meaning stays: global memories only (also for bound keys).
            let filter = MemoryFilter.query(agentId: request.agentId, namespace: request.namespace, userId: request.userId, now: now())
            let memories = try await search(project: project, text: request.query, filter: filter, k: request.topK,
                                            minScore: request.minScore, ef: request.efSearch, retrieval: request.retrieval)
            return QueryResponse(memories: memories, queryTimeMs: elapsedMs(since: start))
        }
    }

    /// `POST /memories/query_cross_agent` (§4.4): ACL as the requester inside the search;
    /// owners restricted to `target_agent_ids` when given (`[]` matches nothing).
    public func queryCrossAgent(project: String, _ request: CrossAgentQueryRequest, boundAgent: String? = nil) async throws -> QueryResponse {
        try await operation {
            let start = monotonicNanos()
            var v = Validator(.key("body"))
            v.string(request.query, [.key("query")], min: 1, max: 10_000)
            v.string(request.requestingAgentId, [.key("requesting_agent_id")], min: 1, max: 64)
            v.int(request.topK, [.key("top_k")], min: 1, max: 100)
            v.double(request.minScore, [.key("min_score")], min: 0, max: 1)
            v.int(request.efSearch, [.key("ef_search")], min: 1, max: 4096)
            try v.check()
            try checkBound(boundAgent, request.requestingAgentId, field: "requesting_agent_id")
            let filter = MemoryFilter.crossAgent(requester: request.requestingAgentId, targets: request.targetAgentIds,
                                                 namespace: request.namespace, userId: request.userId, now: now())
            let memories = try await search(project: project, text: request.query, filter: filter, k: request.topK,
                                            minScore: request.minScore, ef: request.efSearch, retrieval: request.retrieval)
            return QueryResponse(memories: memories, queryTimeMs: elapsedMs(since: start))
        }
    }

    /// Runs a query like `query` / `queryCrossAgent` and reports how it ran.
    public func explain(project: String, _ request: CrossAgentQueryRequest) async throws -> QueryExplanation {
        try await operation {
            let start = monotonicNanos()
            let filter = MemoryFilter.crossAgent(requester: request.requestingAgentId, targets: request.targetAgentIds,
                                                 namespace: request.namespace, userId: request.userId, now: now())
            return try await explainRun(project: project, text: request.query, filter: filter, k: request.topK,
                                        minScore: request.minScore, ef: request.efSearch, start: start)
        }
    }

    public func explain(project: String, _ request: QueryRequest) async throws -> QueryExplanation {
        try await operation {
            let start = monotonicNanos()
            let filter = MemoryFilter.query(agentId: request.agentId, namespace: request.namespace, userId: request.userId, now: now())
            return try await explainRun(project: project, text: request.query, filter: filter, k: request.topK,
                                        minScore: request.minScore, ef: request.efSearch, start: start)
        }
    }

    private func explainRun(project: String, text: String, filter: MemoryFilter, k: Int, minScore: Double, ef: Int?,
                            start: UInt64) async throws -> QueryExplanation {
        let t0 = monotonicNanos()
        let q = try await embed([text])[0]
        let embedMs = Double(monotonicNanos() &- t0) / 1e6
        let t1 = monotonicNanos()
        var stats = SearchStats()
        let hits = searchVectors(project: project, query: q, filter: filter, k: k, minScore: minScore, ef: ef, stats: &stats)
        let searchMs = Double(monotonicNanos() &- t1) / 1e6
        return QueryExplanation(mode: stats.mode.rawValue, efSearch: stats.efSearch, nodesVisited: stats.nodesVisited,
                                distanceComputations: stats.distanceComputations, admitted: stats.admitted, total: stats.total,
                                filterSelectivity: stats.filterSelectivity, fellBackToExact: stats.fellBackToExact,
                                resultCount: hits.count, embedMs: embedMs, searchMs: searchMs,
                                totalMs: Double(monotonicNanos() &- start) / 1e6, filter: describe(filter))
    }

    func describe(_ f: MemoryFilter) -> String {
        var parts: [String] = []
        switch f.reader {
        case .anonymous: parts.append("reader=anonymous (global only)")
        case .agent(let a): parts.append("reader=\(a)")
        case .unrestricted: parts.append("reader=unrestricted")
        }
        if let ns = f.namespace { parts.append("namespace=\(ns)") }
        if let u = f.userId { parts.append("user_id=\(u)") }
        if let o = f.owners { parts.append("owners=[\(o.sorted().joined(separator: ","))]") }
        if let t = f.memoryTypes { parts.append("types=[\(t.sorted().joined(separator: ","))]") }
        if f.notExpiredAt != nil { parts.append("not expired") }
        if f.excludeDeprecated { parts.append("not deprecated") }
        return parts.joined(separator: ", ")
    }

    /// Embeds `text`, searches with `filter` inside the index, materialises `MemoryOut`s.
    func search(project: String, text: String, filter: MemoryFilter, k: Int, minScore: Double, ef: Int?) async throws -> ([MemoryOut], SearchStats) {
        let q = try await embed([text])[0]
        var stats = SearchStats()
        let hits = searchVectors(project: project, query: q, filter: filter, k: k, minScore: minScore, ef: ef, stats: &stats)
        let out = backend.read { view in
            hits.compactMap { h -> MemoryOut? in
                guard let m = view.memoryWithoutVector(projectId: project, id: h.id) else { return nil }
                return memoryOut(m, score: Double(h.score))
            }
        }
        return (out, stats)
    }

    func searchVectors(project: String, query: [Float], filter: MemoryFilter, k: Int, minScore: Double, ef: Int?,
                       stats: inout SearchStats) -> [Hit] {
        // min_score is a similarity bound; compare in Float with a tiny tolerance so a stored
        // vector identical to the query (score 0.99999994) passes min_score 1.0.
        let bound = Float(minScore) - 1e-6
        return spaces.withSpace(project) { space -> [Hit] in
            guard let space else { return [] }
            return space.search(query: query, filter: filter, k: k, minScore: bound,
                                efSearch: ef ?? configuration.hnswEfSearch,
                                exactThreshold: configuration.exactScanThreshold,
                                exactSelectivity: configuration.exactScanSelectivity, stats: &stats)
        }
    }

    /// `POST /memories/handoff` (§4.5 with §14.6 fixed): the source agent's live memories that
    /// the target agent may read (ACL as the target), most relevant to `task_context` first
    /// (newest first without one).
    public func handoff(project: String, _ request: HandoffRequest, boundAgent: String? = nil) async throws -> HandoffBaton {
        try await operation {
            var v = Validator(.key("body"))
            v.string(request.taskContext, [.key("task_context")], max: 10_000)
            v.int(request.maxMemories, [.key("max_memories")], min: 1, max: 100)
            try v.check()
            if let b = boundAgent, b != request.sourceAgentId, b != request.targetAgentId {
                throw EngineError(.forbidden, "API key is bound to agent '\(b)'; it may only hand off as source or target")
            }
            let filter = MemoryFilter.handoff(source: request.sourceAgentId, target: request.targetAgentId,
                                              namespace: request.namespace, userId: request.userId, now: now())
            var ids: [String] = []
            var facts: [String] = []
            if let ctx = request.taskContext, !ctx.isEmpty {
                let (found, _) = try await search(project: project, text: ctx, filter: filter, k: request.maxMemories,
                                                  minScore: -1, ef: nil)
                ids = found.map(\.id); facts = found.map(\.content)
            } else {
                let picked = newest(project: project, filter: filter, limit: request.maxMemories)
                ids = picked.map(\.id); facts = picked.map(\.content)
            }
            return HandoffBaton(sourceAgentId: request.sourceAgentId, targetAgentId: request.targetAgentId,
                                namespace: request.namespace, userId: request.userId, taskContext: request.taskContext,
                                summary: nil, activeTasks: [], blockedOn: [], recentDecisions: [], keyFacts: facts, memoryIds: ids)
        }
    }

    /// Newest-first memories matching `filter` (ties: id), at most `limit`.
    func newest(project: String, filter: MemoryFilter, limit: Int) -> [Memory] {
        backend.read { view in
            var all: [Memory] = []
            view.forEachMemory(projectId: project) { m in
                if filter.matches(m) { all.append(m) }
                return true
            }
            all.sort { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            return Array(all.prefix(limit))
        }
    }

    func memoryOut(_ m: Memory, score: Double?) -> MemoryOut {
        MemoryOut(id: m.id, content: m.content, userId: m.userId, agentId: m.agentId, namespace: m.namespace,
                  metadata: m.metadata, createdAt: m.createdAt, scope: m.scope.rawValue, sharedWithAgents: m.sharedWithAgents,
                  derivedFromAgents: m.derivedFromAgents, coordinationMetadata: m.coordinationMetadata, score: score,
                  memoryType: m.memoryType.rawValue, bulletHelpful: Int(m.bulletHelpful), bulletHarmful: Int(m.bulletHarmful),
                  effectivenessScore: m.effectivenessScore, expiresAt: m.expiresAt, updatedAt: m.updatedAt,
                  isDeprecated: m.isDeprecated, supersededBy: m.supersededBy)
    }
}
