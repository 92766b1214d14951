import AegisCore
import AegisStorage

extension AegisEngine {
    /// `POST /memories/ace/vote/{id}` (§5.1): vote row + counter in one atomic record; 404 for
    /// a missing memory (no orphan vote). Serialised per project: counters are exact under
    /// concurrency and the response shows the counters right after this vote.
    public func vote(project: String, memoryId: String, _ request: VoteRequest, boundAgent: String? = nil) async throws -> VoteResponse {
        try await operation {
            var v = Validator(.key("body"))
            v.literal(request.vote, [.key("vote")], VoteKind.allCases.map(\.rawValue))
            v.string(request.voterAgentId, [.key("voter_agent_id")], min: 1, max: 64)
            v.string(request.context, [.key("context")], max: 1000)
            v.string(request.taskId, [.key("task_id")], max: 64)
            try v.check()
            try checkBound(boundAgent, request.voterAgentId, field: "voter_agent_id")
            let kind = VoteKind(rawValue: request.vote)!
            // No engine lock: the store applies the counter increment atomically with the vote
            // row (exact under concurrency; concurrent votes share fsyncs) and refuses a vote
            // on a memory that is gone (404, no orphan row).
            guard let m = backend.read({ $0.memoryWithoutVector(projectId: project, id: memoryId) }),
                  boundAgent.map({ AccessControl.canRead(m, reader: .agent($0)) }) ?? true else {
                throw EngineError.memoryNotFound
            }
            let vote = Vote(id: Identifier.randomHex(), memoryId: memoryId, projectId: project,
                            voterAgentId: request.voterAgentId, vote: kind, context: request.context,
                            taskId: request.taskId, createdAt: now())
            do {
                try await commit([.vote(vote)])
            } catch let e as EngineError where e.code == .notFound {
                throw EngineError.memoryNotFound
            }
            let after = backend.read { $0.memoryWithoutVector(projectId: project, id: memoryId) } ?? m
            return VoteResponse(memoryId: memoryId, bulletHelpful: Int(after.bulletHelpful),
                                bulletHarmful: Int(after.bulletHarmful), effectivenessScore: after.effectivenessScore)
        }
    }

    /// `POST /memories/ace/delta` (§5.2 with §14.2/§14.3 fixed): all operations are applied
    /// atomically as one batch record, or none is. Updates and deprecation reasons persist.
    public func delta(project: String, _ request: DeltaRequest, boundAgent: String? = nil) async throws -> DeltaResponse {
        try await operation {
            let start = monotonicNanos()
            var v = Validator(.key("body"))
            v.list(request.operations.count, [.key("operations")], min: 1, max: 100, input: "[…]")
            for (i, op) in request.operations.enumerated() where request.operations.count <= 100 {
                let p: [LocElement] = [.key("operations"), .index(i)]
                v.literal(op.type, p + [.key("type")], ["add", "update", "deprecate"])
                v.string(op.content, p + [.key("content")], max: 100_000)
                v.literal(op.memoryType, p + [.key("memory_type")], MemoryType.known.map(\.rawValue))
                v.string(op.agentId, p + [.key("agent_id")], max: 64)
                v.string(op.userId, p + [.key("user_id")], max: 64)
                v.string(op.namespace, p + [.key("namespace")], max: 64)
                v.scope(op.scope, p + [.key("scope")])
                v.int(op.ttlSeconds, p + [.key("ttl_seconds")], min: 1, max: Validator.maxTTL)
                v.string(op.supersededBy, p + [.key("superseded_by")], max: 64)
            }
            try v.check()
            var ops = request.operations
            for i in ops.indices {
                try checkBound(boundAgent, ops[i].agentId, field: "agent_id")
                if ops[i].agentId == nil, let b = boundAgent { ops[i].agentId = b }
            }
            // Embed every add's content first (outside the lock).
            let addIdx = ops.indices.filter { ops[$0].type == "add" && !(ops[$0].content ?? "").isEmpty }
            let vectors = try await embed(addIdx.map { ops[$0].content! })
            var vectorOf: [Int: [Float]] = [:]
            for (j, i) in addIdx.enumerated() { vectorOf[i] = vectors[j] }

            let results: [DeltaOperationResult] = try await writeLocks.withLock(project) {
                for attempt in 1...3 {
                    let plan = planDelta(project: project, ops, vectors: vectorOf, boundAgent: boundAgent, now: self.now())
                    do {
                        try await commit(plan.events)
                        return plan.results
                    } catch let e as EngineError where e.code == .notFound && attempt < 3 {
                        // A target was deleted after the check (deletes take no engine lock):
                        // plan again; the operation then fails as "Memory not found".
                        continue
                    }
                }
                throw EngineError.memoryNotFound
            }
            return DeltaResponse(results: results, totalTimeMs: elapsedMs(since: start))
        }
    }

    /// One pass of a delta over the current tables: the events to commit, and the result of
    /// each operation. When one operation fails, every result is failed and there is nothing
    /// to commit (the delta is atomic).
    private func planDelta(project: String, _ ops: [DeltaOperation], vectors vectorOf: [Int: [Float]], boundAgent: String?,
                           now: Timestamp) -> (events: [StoreEvent], results: [DeltaOperationResult]) {
        var events: [StoreEvent] = []
        var results: [DeltaOperationResult] = []
        var failed: [Int] = []
        func exists(_ id: String) -> Bool {
            guard let m = backend.read({ $0.memoryWithoutVector(projectId: project, id: id) }) else { return false }
            return boundAgent.map { AccessControl.canRead(m, reader: .agent($0)) } ?? true
        }
        for (i, op) in ops.enumerated() {
            switch op.type {
            case "add":
                guard let content = op.content, !content.isEmpty, let vec = vectorOf[i] else {
                    results.append(.init(operation: op.type, success: false, memoryId: nil, error: "Content required for add operation"))
                    failed.append(i); continue
                }
                let type = MemoryType(rawValue: op.memoryType ?? "standard")
                var req = AddMemoryRequest(content: content, userId: op.userId, agentId: op.agentId, namespace: op.namespace,
                                           metadata: op.metadata, ttlSeconds: op.ttlSeconds, scope: op.scope)
                if req.scope == nil, type == .reflection { req.scope = Scope.global.rawValue }
                let (m, _) = makeMemory(project: project, req, hash: ContentHash.of(content), vector: vec, now: now,
                                        expiresBase: now.truncatedToSeconds, memoryType: type)
                events.append(.memoryPut(m))
                results.append(.init(operation: op.type, success: true, memoryId: m.id, error: nil))
            case "update", "deprecate":
                guard let id = op.memoryId, !id.isEmpty else {
                    results.append(.init(operation: op.type, success: false, memoryId: nil,
                                         error: "memory_id required for \(op.type) operation"))
                    failed.append(i); continue
                }
                guard exists(id) else {
                    results.append(.init(operation: op.type, success: false, memoryId: id, error: "Memory not found"))
                    failed.append(i); continue
                }
                if op.type == "update" {
                    events.append(.memoryUpdate(MemoryUpdate(projectId: project, id: id, updatedAt: now,
                                                             metadataPatch: op.metadataPatch)))
                } else {
                    events.append(.memoryDeprecate(MemoryDeprecation(projectId: project, id: id, at: now, deprecatedBy: op.agentId,
                                                                     supersededBy: op.supersededBy, reason: op.deprecationReason)))
                }
                results.append(.init(operation: op.type, success: true, memoryId: id, error: nil))
            default:
                results.append(.init(operation: op.type, success: false, memoryId: nil, error: "Unknown operation type"))
                failed.append(i)
            }
        }
        if !failed.isEmpty {
            let first = failed[0]
            for i in results.indices where results[i].success {
                results[i].success = false
                results[i].error = "Not applied: operation \(first) failed (delta is atomic)"
                if ops[i].type == "add" { results[i].memoryId = nil }
            }
            return ([], results)
        }
        return (events, results)
    }

    /// `POST /memories/ace/reflection` (§5.3): a `reflection` memory (scope default global),
    /// with `correct_approach` / `applicable_contexts` folded into metadata as in 1.2.
    public func reflection(project: String, _ request: ReflectionRequest, boundAgent: String? = nil) async throws -> ReflectionResponse {
        try await operation {
            var v = Validator(.key("body"))
            v.string(request.content, [.key("content")], min: 1, max: 100_000)
            v.string(request.agentId, [.key("agent_id")], min: 1, max: 64)
            v.string(request.userId, [.key("user_id")], max: 64)
            v.string(request.namespace, [.key("namespace")], max: 64)
            v.string(request.sourceTrajectoryId, [.key("source_trajectory_id")], max: 64)
            v.string(request.errorPattern, [.key("error_pattern")], max: 128)
            v.string(request.correctApproach, [.key("correct_approach")], max: 10_000)
            v.scope(request.scope, [.key("scope")])
            try v.check()
            try checkBound(boundAgent, request.agentId, field: "agent_id")
            var metadata = request.metadata ?? JSONObject()
            if let ca = request.correctApproach, !ca.isEmpty { metadata["correct_approach"] = .string(ca) }
            if let ac = request.applicableContexts, !ac.isEmpty { metadata["applicable_contexts"] = .array(ac.map { .string($0) }) }
            let vec = try await embed([request.content])[0]
            let now = self.now()
            let scope = request.scope.flatMap(Scope.init(rawValue:)) ?? .global
            let m = Memory(id: Identifier.randomHex(), projectId: project, userId: request.userId, agentId: request.agentId,
                           namespace: request.namespace, memoryType: .reflection, content: request.content, embedding: vec,
                           metadata: metadata, scope: scope, createdAt: now, updatedAt: now,
                           sourceTrajectoryId: request.sourceTrajectoryId, errorPattern: request.errorPattern)
            try await commit([.memoryPut(m)])
            return ReflectionResponse(id: m.id, memoryType: "reflection", scope: scope.rawValue, effectivenessScore: 0.0)
        }
    }

    /// `POST /memories/ace/playbook` (§5.4 with §14.21 fixed): the query ACL, types, not
    /// expired, not deprecated, `min_effectiveness` applied inside the search (before top_k).
    public func playbook(project: String, _ request: PlaybookRequest, boundAgent: String? = nil) async throws -> PlaybookResponse {
        try await operation {
            let start = monotonicNanos()
            var v = Validator(.key("body"))
            v.string(request.query, [.key("query")], min: 1, max: 10_000)
            v.string(request.agentId, [.key("agent_id")], min: 1, max: 64)
            for (i, t) in request.includeTypes.enumerated() {
                v.literal(t, [.key("include_types"), .index(i)], MemoryType.known.map(\.rawValue))
            }
            v.int(request.topK, [.key("top_k")], min: 1, max: 100)
            v.double(request.minEffectiveness, [.key("min_effectiveness")], min: -1, max: 1)
            v.int(request.efSearch, [.key("ef_search")], min: 1, max: 4096)
            try v.check()
            try checkBound(boundAgent, request.agentId, field: "agent_id")
            guard !request.includeTypes.isEmpty else { return PlaybookResponse(entries: [], queryTimeMs: elapsedMs(since: start)) }
            var filter = MemoryFilter.playbook(agentId: request.agentId, namespace: request.namespace,
                                               types: request.includeTypes, now: now())
            filter.minEffectiveness = request.minEffectiveness
            let (found, _) = try await search(project: project, text: request.query, filter: filter, k: request.topK,
                                              minScore: -1, ef: request.efSearch)
            let entries = found.map {
                PlaybookEntry(id: $0.id, content: $0.content, memoryType: $0.memoryType, effectivenessScore: $0.effectivenessScore,
                              bulletHelpful: $0.bulletHelpful, bulletHarmful: $0.bulletHarmful,
                              errorPattern: nil, createdAt: $0.createdAt)
            }
            let patterns = backend.read { view in entries.map { view.memory(projectId: project, id: $0.id)?.errorPattern } }
            var out = entries
            for i in out.indices { out[i].errorPattern = patterns[i] }
            return PlaybookResponse(entries: out, queryTimeMs: elapsedMs(since: start))
        }
    }
}
