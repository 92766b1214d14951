import AegisCore
import AegisStorage

extension AegisEngine {
    /// `GET /memories/{id}` (§4.6): project-scoped; an id of another project is "Memory not
    /// found". With an agent-bound key, memories that agent may not read are also not found.
    /// Expired memories are not found (§14.5); deprecated ones are returned (`is_deprecated`).
    public func get(project: String, id: String, boundAgent: String? = nil) async throws -> MemoryOut {
        try await operation {
            let now = self.now()
            guard let m = backend.read({ $0.memory(projectId: project, id: id) }), !m.isExpired(at: now),
                  boundAgent.map({ AccessControl.canRead(m, reader: .agent($0)) }) ?? true else {
                throw EngineError.memoryNotFound
            }
            return memoryOut(m, score: nil)
        }
    }

    /// `DELETE /memories/{id}` (§4.7): hard delete with its votes, one atomic record; erased
    /// from storage at the next snapshot/compaction. Bound keys may delete only their own
    /// memories (403 for readable ones they do not own, 404 otherwise).
    public func delete(project: String, id: String, boundAgent: String? = nil) async throws {
        try await operation {
            guard let m = backend.read({ $0.memory(projectId: project, id: id) }) else { throw EngineError.memoryNotFound }
            if let b = boundAgent, m.agentId != b {
                if AccessControl.canRead(m, reader: .agent(b)) {
                    throw EngineError(.forbidden, "API key is bound to agent '\(b)'; only the owner may delete this memory")
                }
                throw EngineError.memoryNotFound
            }
            do {
                try await commit([.memoryDelete(projectId: project, id: id)])
            } catch let e as EngineError where e.code == .notFound {
                throw EngineError.memoryNotFound   // deleted concurrently
            }
        }
    }

    /// The memories `POST /memories/export` (and the CLI export) writes: project, optional
    /// namespace/owner filters, ordered by `created_at` then id, at most `limit`. Memory use is
    /// bounded: the engine keeps only (created_at, id) keys and reads records page by page.
    /// With an agent-bound key only memories that agent may read are exported.
    public func exportMemories(project: String, _ filter: ExportFilter, boundAgent: String? = nil) throws -> MemoryExportSequence {
        try checkOpen()
        var v = Validator(.key("body"))
        v.int(filter.limit, [.key("limit")], min: 1, max: 100_000)
        try v.check()
        let now = self.now()
        let ns = (filter.namespace?.isEmpty ?? true) ? nil : filter.namespace
        let agent = (filter.agentId?.isEmpty ?? true) ? nil : filter.agentId
        let mf = MemoryFilter(reader: boundAgent.map { .agent($0) } ?? .unrestricted, namespace: ns,
                              owners: agent.map { [$0] }, notExpiredAt: filter.includeExpired ? nil : now,
                              excludeDeprecated: !filter.includeDeprecated)
        var keys: [(Timestamp, String)] = []
        backend.read { view in
            view.forEachMemory(projectId: project) { m in
                if mf.matches(m) { keys.append((m.createdAt, m.id)) }
                return true
            }
        }
        keys.sort { $0 < $1 }
        if let limit = filter.limit, keys.count > limit { keys.removeLast(keys.count - limit) }
        return MemoryExportSequence(backend: backend, project: project, keys: keys.map(\.1))
    }

    /// Restores memories from an export/import record (AegisExport's import). Keeps the
    /// record's id, timestamps, votes, scope and deprecation when given; embeds when the
    /// record has no embedding of the store's dimension. `skipDuplicates`: a live memory with
    /// the same content/namespace/user/owner (or the same id) makes the record a skip.
    public func importMemories(project: String, _ records: [ImportRecord], skipDuplicates: Bool = true,
                               boundAgent: String? = nil) async throws -> [ImportOutcome] {
        try await operation {
            var outcomes = [ImportOutcome](repeating: .skipped(existingId: ""), count: records.count)
            var toEmbed: [Int] = []
            var prepared: [Int: Memory] = [:]
            let now = self.now()
            for (i, r) in records.enumerated() {
                var v = Validator(root: [.index(i)])
                v.string(r.content, [.key("content")], min: 1, max: 100_000)
                v.string(r.userId, [.key("user_id")], max: 64)
                v.string(r.agentId, [.key("agent_id")], max: 64)
                v.string(r.namespace, [.key("namespace")], max: 64)
                v.scope(r.scope, [.key("scope")])
                v.literal(r.memoryType, [.key("memory_type")], MemoryType.known.map(\.rawValue))
                if let id = r.id, !Identifier.isCanonical(id) {
                    v.add([.key("id")], "value_error", "Value error, id must be 32 lowercase hex characters", jsonString(id), [("error", "{}")])
                }
                if !v.issues.isEmpty { outcomes[i] = .failed(v.issues.map(\.description).joined(separator: "; ")); continue }
                if let b = boundAgent, let a = r.agentId, a != b {
                    outcomes[i] = .failed("API key is bound to agent '\(b)'; agent_id '\(a)' is not allowed"); continue
                }
                let created = r.createdAt ?? now
                let hash = ContentHash.of(r.content)
                let scope = r.scope.flatMap(Scope.init(rawValue:))
                    ?? ScopeInference.infer(content: r.content, metadata: r.metadata ?? JSONObject(), agentId: r.agentId,
                                            sharedWithAgents: r.sharedWithAgents).0
                let m = Memory(id: r.id ?? Identifier.uuid4Hex(), projectId: project, userId: r.userId, agentId: r.agentId ?? boundAgent,
                               namespace: r.namespace, memoryType: MemoryType(rawValue: r.memoryType ?? "standard"),
                               content: r.content, contentHash: hash, embedding: r.embedding ?? [],
                               metadata: r.metadata ?? JSONObject(), scope: scope, sharedWithAgents: r.sharedWithAgents ?? [],
                               derivedFromAgents: r.derivedFromAgents ?? [], coordinationMetadata: r.coordinationMetadata ?? JSONObject(),
                               createdAt: created, updatedAt: r.updatedAt ?? created, expiresAt: r.expiresAt,
                               bulletHelpful: Int64(max(0, r.bulletHelpful ?? 0)), bulletHarmful: Int64(max(0, r.bulletHarmful ?? 0)),
                               isDeprecated: r.isDeprecated ?? false, deprecatedAt: r.deprecatedAt, deprecatedBy: r.deprecatedBy,
                               supersededBy: r.supersededBy, sourceTrajectoryId: r.sourceTrajectoryId, errorPattern: r.errorPattern)
                prepared[i] = m
                if m.embedding.count != embedder.dimension { toEmbed.append(i) }
            }
            let vectors = try await embed(toEmbed.map { records[$0].content })
            for (j, i) in toEmbed.enumerated() { prepared[i]!.embedding = vectors[j] }
            // With `skipDuplicates`, the store's writer re-checks dedup atomically with the append.
            return try await retryingDedup {
                var out = outcomes
                var events: [StoreEvent] = []
                var keys: [DedupKey: String] = [:]
                for i in records.indices {
                    guard let m = prepared[i] else { continue }
                    let key = DedupKey(m)
                    if let e = backend.read({ $0.memoryWithoutVector(projectId: project, id: m.id) }) {
                        out[i] = .skipped(existingId: e.id); continue
                    }
                    if skipDuplicates, let dup = keys[key] ?? findDuplicate(project: project, key) {
                        out[i] = .skipped(existingId: dup); continue
                    }
                    keys[key] = m.id
                    events.append(.memoryPut(normalizedImport(m)))
                    out[i] = .imported(id: m.id)
                }
                try await commit(events, precondition: skipDuplicates ? Self.dedupPrecondition(project: project, keys: Array(keys.keys), now: now) : nil)
                return out
            }
        }
    }

    private func normalizedImport(_ m: Memory) -> Memory {
        var m = m
        m.embedding = normalized(m.embedding)
        return m
    }
}

/// One record to import (the export record keys; every field but `content` optional).
public struct ImportRecord: Sendable, Equatable {
    public var id: String?
    public var content: String
    public var userId: String?
    public var agentId: String?
    public var namespace: String
    public var scope: String?
    public var metadata: JSONObject?
    public var memoryType: String?
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    public var bulletHelpful: Int?
    public var bulletHarmful: Int?
    public var embedding: [Float]?
    public var sharedWithAgents: [String]?
    public var derivedFromAgents: [String]?
    public var coordinationMetadata: JSONObject?
    public var expiresAt: Timestamp?
    public var isDeprecated: Bool?
    public var deprecatedAt: Timestamp?
    public var deprecatedBy: String?
    public var supersededBy: String?
    public var sourceTrajectoryId: String?
    public var errorPattern: String?
    public init(content: String, namespace: String = "default") { self.content = content; self.namespace = namespace }
}

public enum ImportOutcome: Sendable, Equatable {
    case imported(id: String)
    case skipped(existingId: String)
    case failed(String)
}

/// Pages through exported memories (bounded memory: 256 records per read).
public struct MemoryExportSequence: Sequence, Sendable {
    let backend: any EngineBackend
    let project: String
    let keys: [String]
    public var count: Int { keys.count }

    public func makeIterator() -> Iterator { Iterator(seq: self) }

    public struct Iterator: IteratorProtocol {
        let seq: MemoryExportSequence
        var cursor = 0
        var page: [Memory] = []
        var pageIndex = 0
        public mutating func next() -> Memory? {
            while pageIndex >= page.count {
                guard cursor < seq.keys.count else { return nil }
                let ids = seq.keys[cursor..<Swift.min(cursor + 256, seq.keys.count)]
                cursor += ids.count
                page = seq.backend.read { view in ids.compactMap { view.memory(projectId: seq.project, id: $0) } }
                pageIndex = 0
            }
            defer { pageIndex += 1 }
            return page[pageIndex]
        }
    }
}
