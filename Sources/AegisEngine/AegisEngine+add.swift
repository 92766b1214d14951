import AegisCore
import AegisStorage

extension AegisEngine {
    /// `POST /memories/add` (§4.1 with §14.4 fixed): dedup only against live memories (not
    /// expired, not deprecated) with the same namespace, user and owner (an omitted user or
    /// agent matches only memories without one), checked before embedding and again by the
    /// store's writer atomically with the append, so concurrent identical adds store one memory.
    public func add(project: String, _ request: AddMemoryRequest, boundAgent: String? = nil) async throws -> AddResult {
        try await operation {
            var req = request
            var v = Validator(.key("body"))
            validateItem(req, &v, path: [])
            try v.check()
            try checkBound(boundAgent, req.agentId, field: "agent_id")
            if req.agentId == nil, let b = boundAgent { req.agentId = b }
            let hash = ContentHash.of(req.content)
            let key = DedupKey(req, hash: hash)
            if let existing = findDuplicate(project: project, key) {
                return AddResult(id: existing, dedupedFrom: existing, inferredScope: nil)
            }
            let vector = try await embed([req.content])[0]
            // The store's writer checks again atomically with the append (`dedupPrecondition`);
            // different contents commit concurrently and share fsyncs through group commit.
            return try await retryingDedup {
                if let existing = findDuplicate(project: project, key) {
                    return AddResult(id: existing, dedupedFrom: existing, inferredScope: nil)
                }
                let now = self.now()
                let (memory, inferred) = makeMemory(project: project, req, hash: hash, vector: vector, now: now,
                                                    expiresBase: now.truncatedToSeconds)
                try await commit([.memoryPut(memory)], precondition: Self.dedupPrecondition(project: project, keys: [key], now: now))
                return AddResult(id: memory.id, dedupedFrom: nil, inferredScope: inferred?.rawValue)
            }
        }
    }

    /// `POST /memories/add_batch` (§4.2 with §14.4/§14.18 fixed): 1...100 items, results in
    /// input order; duplicates inside the batch are caught (later items dedup to the first);
    /// identical texts are embedded once; everything new is committed as one atomic batch.
    public func addBatch(project: String, _ request: AddBatchRequest, boundAgent: String? = nil) async throws -> AddBatchResponse {
        try await operation {
            let start = monotonicNanos()
            var v = Validator(.key("body"))
            v.list(request.items.count, [.key("items")], min: 1, max: 100, input: "[…]")
            if request.items.count <= 100 {
                for (i, item) in request.items.enumerated() { validateItem(item, &v, path: [.key("items"), .index(i)]) }
            }
            try v.check()
            var items = request.items
            for i in items.indices {
                try checkBound(boundAgent, items[i].agentId, field: "agent_id")
                if items[i].agentId == nil, let b = boundAgent { items[i].agentId = b }
            }
            let hashes = items.map { ContentHash.of($0.content) }
            // Texts that need an embedding: not already stored, first occurrence in the batch.
            var firstIndexOfKey: [DedupKey: Int] = [:]
            var toEmbed: [String] = []
            var embedIndex: [String: Int] = [:]
            for (i, item) in items.enumerated() {
                let key = DedupKey(item, hash: hashes[i])
                if firstIndexOfKey[key] != nil { continue }
                firstIndexOfKey[key] = i
                if findDuplicate(project: project, key) != nil { continue }
                if embedIndex[item.content] == nil { embedIndex[item.content] = toEmbed.count; toEmbed.append(item.content) }
            }
            let vectors = try await embed(toEmbed)
            let results: [AddResult] = try await retryingDedup {
                let now = self.now()
                var results: [AddResult] = []
                var events: [StoreEvent] = []
                var created: [DedupKey: String] = [:]
                for (i, item) in items.enumerated() {
                    let key = DedupKey(item, hash: hashes[i])
                    if let existing = created[key] ?? findDuplicate(project: project, key) {
                        results.append(AddResult(id: existing, dedupedFrom: existing, inferredScope: nil))
                        continue
                    }
                    let vector: [Float]
                    if let e = embedIndex[item.content] { vector = vectors[e] } else { vector = try await embed([item.content])[0] }
                    let (m, inferred) = makeMemory(project: project, item, hash: hashes[i], vector: vector, now: now, expiresBase: now)
                    created[key] = m.id
                    events.append(.memoryPut(m))
                    results.append(AddResult(id: m.id, dedupedFrom: nil, inferredScope: inferred?.rawValue))
                }
                try await commit(events, precondition: Self.dedupPrecondition(project: project, keys: Array(created.keys), now: now))
                return results
            }
            return AddBatchResponse(results: results, embeddingsCached: items.count - toEmbed.count,
                                    totalTimeMs: elapsedMs(since: start))
        }
    }

    func validateItem(_ r: AddMemoryRequest, _ v: inout Validator, path: [LocElement]) {
        v.string(r.content, path + [.key("content")], min: 1, max: 100_000)
        v.string(r.userId, path + [.key("user_id")], max: 64)
        v.string(r.agentId, path + [.key("agent_id")], max: 64)
        v.string(r.namespace, path + [.key("namespace")], max: 64)
        v.int(r.ttlSeconds, path + [.key("ttl_seconds")], min: 1, max: Validator.maxTTL)
        v.scope(r.scope, path + [.key("scope")])
    }

    /// Builds a new memory; returns the inferred scope when the request had none.
    func makeMemory(project: String, _ r: AddMemoryRequest, hash: String, vector: [Float], now: Timestamp,
                    expiresBase: Timestamp, memoryType: MemoryType = .standard) -> (Memory, Scope?) {
        let metadata = r.metadata ?? JSONObject()
        var inferred: Scope?
        let scope: Scope
        if let s = r.scope.flatMap(Scope.init(rawValue:)) {
            scope = s
        } else {
            scope = ScopeInference.infer(content: r.content, metadata: metadata, agentId: r.agentId,
                                         sharedWithAgents: r.sharedWithAgents).0
            inferred = scope
        }
        let m = Memory(id: Identifier.uuid4Hex(), projectId: project, userId: r.userId, agentId: r.agentId,
                       namespace: r.namespace, memoryType: memoryType, content: r.content, contentHash: hash,
                       embedding: vector, metadata: metadata, scope: scope, sharedWithAgents: r.sharedWithAgents ?? [],
                       derivedFromAgents: r.derivedFromAgents ?? [], coordinationMetadata: r.coordinationMetadata ?? JSONObject(),
                       createdAt: now, updatedAt: now,
                       expiresAt: r.ttlSeconds.map { expiresBase.adding(seconds: Int64($0)) })
        return (m, inferred)
    }
}
