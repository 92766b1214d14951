import AegisCore
import AegisStorage

/// Body of `PATCH /memories/{memory_id}` (docs/api.md, "Editing a memory"). nil = unchanged.
public struct PatchMemoryRequest: Sendable, Equatable {
    public var content: String?
    public var metadata: JSONObject?
    /// "merge" (top-level keys overwrite; default) or "replace".
    /// `memoryType`: one of `MemoryType.known`.
    public var metadataMode: String
    public var scope: String?
    public var sharedWithAgents: [String]?
    public var memoryType: String?
    public var ttlSeconds: Int?
    /// `.some(nil)` clears the expiry (`"expires_at": null`), `.some(t)` sets it.
    public var expiresAt: Timestamp??

    public init(content: String? = nil, metadata: JSONObject? = nil, metadataMode: String = "merge", scope: String? = nil,
                sharedWithAgents: [String]? = nil, memoryType: String? = nil, ttlSeconds: Int? = nil, expiresAt: Timestamp?? = nil) {
        self.content = content; self.metadata = metadata; self.metadataMode = metadataMode; self.scope = scope
        self.sharedWithAgents = sharedWithAgents; self.memoryType = memoryType; self.ttlSeconds = ttlSeconds
        self.expiresAt = expiresAt
    }

    var isEmpty: Bool {
        content == nil && metadata == nil && scope == nil && sharedWithAgents == nil && memoryType == nil
            && ttlSeconds == nil && expiresAt == nil
    }
}

extension AegisEngine {
    /// `PATCH /memories/{memory_id}`: one durable `memoryUpdate` event. A content change is
    /// re-embedded and updates `content_hash`; it is refused (409) when another live memory with
    /// the same dedup key (content hash, namespace, user, owner) exists. Only the owner's
    /// agent-bound key, or a key bound to no agent, may patch (403 for a readable memory of
    /// another owner, 404 otherwise). Expired memories are not found, as for GET.
    public func patch(project: String, id: String, _ r: PatchMemoryRequest, boundAgent: String? = nil) async throws -> MemoryOut {
        try await operation {
            var v = Validator(.key("body"))
            v.string(r.content, [.key("content")], min: 1, max: 100_000)
            v.literal(r.metadataMode, [.key("metadata_mode")], ["merge", "replace"])
            v.scope(r.scope, [.key("scope")])
            v.literal(r.memoryType, [.key("memory_type")], MemoryType.known.map(\.rawValue))
            v.int(r.ttlSeconds, [.key("ttl_seconds")], min: 1, max: Validator.maxTTL)
            if r.ttlSeconds != nil, r.expiresAt != nil {
                v.add([], "value_error", "Value error, give ttl_seconds or expires_at, not both", nil, [("error", "{}")])
            }
            if r.isEmpty {
                v.add([], "value_error",
                      "Value error, at least one of content, metadata, scope, shared_with_agents, memory_type, ttl_seconds, expires_at is required",
                      nil, [("error", "{}")])
            }
            try v.check()
            let now = self.now()
            guard let m = backend.read({ $0.memoryWithoutVector(projectId: project, id: id) }), !m.isExpired(at: now) else {
                throw EngineError.memoryNotFound
            }
            if let b = boundAgent, m.agentId != b {
                if AccessControl.canRead(m, reader: .agent(b)) {
                    throw EngineError(.forbidden, "API key is bound to agent '\(b)'; only the owner may patch this memory")
                }
                throw EngineError.memoryNotFound
            }
            var u = MemoryUpdate(projectId: project, id: id, updatedAt: now)
            var precondition: EnginePrecondition?
            if let content = r.content, content != m.content {
                let hash = ContentHash.of(content)
                u.content = content
                u.contentHash = hash
                u.embedding = try await embed([content])[0]
                if hash != m.contentHash {
                    var key = DedupKey(m)
                    key.hash = hash
                    precondition = Self.patchDedupPrecondition(project: project, id: id, key: key, now: now)
                }
            }
            if let md = r.metadata {
                if r.metadataMode == "replace" { u.metadata = md } else { u.metadataPatch = md }
            }
            u.scope = r.scope.flatMap(Scope.init(rawValue:))
            u.sharedWithAgents = r.sharedWithAgents
            u.memoryType = r.memoryType.map(MemoryType.init(rawValue:))
            if let ttl = r.ttlSeconds { u.expiresAt = .some(now.adding(seconds: Int64(ttl))) }
            if let e = r.expiresAt { u.expiresAt = .some(e) }
            do {
                try await commit([.memoryUpdate(u)], precondition: precondition)
            } catch let e as EngineError where e.code == .notFound {
                throw EngineError.memoryNotFound   // deleted concurrently
            }
            guard let out = backend.read({ $0.memoryWithoutVector(projectId: project, id: id) }) else { throw EngineError.memoryNotFound }
            return memoryOut(out, score: nil)
        }
    }

    /// A content edit must not create a duplicate of another live memory (stored, or put by an
    /// earlier commit of the same write group): 409 naming it.
    static func patchDedupPrecondition(project: String, id: String, key: DedupKey, now: Timestamp) -> EnginePrecondition {
        { view, pending in
            var gone: Set<String> = [id]
            for e in pending {
                switch e {
                case .memoryDelete(let p, let x) where p == project: gone.insert(x)
                case .memoryDeprecate(let d) where d.projectId == project: gone.insert(d.id)
                default: continue
                }
            }
            for case .memoryPut(let m) in pending where m.projectId == project && !gone.contains(m.id)
                && !m.isDeprecated && !m.isExpired(at: now) && DedupKey(m) == key {
                throw EngineError(.conflict, "the new content duplicates memory \(m.id) in namespace '\(key.namespace)'")
            }
            if let dup = storedDuplicate(in: view, project: project, key: key, now: now, gone: gone) {
                throw EngineError(.conflict, "the new content duplicates memory \(dup) in namespace '\(key.namespace)'")
            }
        }
    }
}
