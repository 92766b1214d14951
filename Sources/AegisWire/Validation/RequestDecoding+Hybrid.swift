import AegisCore
import AegisEngine

/// `hybrid_query` and the `retrieval` field of the query routes (docs/api.md, "Hybrid retrieval").
extension RequestDecoding {
    static let retrievals = Retrieval.allCases.map(\.rawValue)

    /// `retrieval`: "dense" | "hybrid" | "lexical"; absent or null = the server's default.
    package static func retrieval(_ r: inout FieldReader) -> Retrieval? {
        guard let v = r.object["retrieval"], v != .null else { return nil }
        return r.literal("retrieval", retrievals, default: nil).flatMap(Retrieval.init(rawValue:))
    }

    package static func hybridQuery(_ v: JSONValue?) throws(EngineError) -> HybridQueryRequest {
        try decodeBody(v) { r in
            HybridQueryRequest(query: r.requiredString("query", min: 1, max: 10_000),
                               userId: r.optionalString("user_id"),
                               agentId: r.optionalString("agent_id"),
                               namespace: r.defaultedString("namespace", default: "default"),
                               topK: r.defaultedInt("top_k", default: 10, ge: 1, le: 100),
                               candidatePool: r.defaultedInt("candidate_pool", default: 40, ge: 10, le: 200),
                               applyDecay: r.defaultedBool("apply_decay", default: false),
                               explain: r.defaultedBool("explain", default: false))
        }
    }
}

/// `PATCH /memories/{memory_id}` (docs/api.md, "Editing a memory").
extension RequestDecoding {
    package static func patchMemory(_ v: JSONValue?) throws(EngineError) -> PatchMemoryRequest {
        try decodeBody(v) { r in
            let content = r.optionalString("content", min: 1, max: 100_000)
            let metadata = r.optionalObject("metadata")
            let mode = r.literal("metadata_mode", ["merge", "replace"], default: "merge") ?? "merge"
            let scope = r.optionalString("scope")
            if let scope, !scopes.contains(scope) {
                r.add("value_error", "scope", "Value error, scope must be one of: ['agent-private', 'agent-shared', 'global']",
                      .string(scope), ctx: [("error", "{}")])
            }
            let shared = r.optionalStringList("shared_with_agents")
            var type: String?
            if let t = r.object["memory_type"], !t.isNull {
                type = r.literal("memory_type", MemoryType.known.map(\.rawValue), default: nil)
            }
            let ttl = r.optionalInt("ttl_seconds", ge: 1, le: 31_536_000)
            var expires: Timestamp??
            if let e = r.object["expires_at"] {
                if e.isNull {
                    expires = .some(nil)
                } else if let s = e.stringValue, let t = Timestamp(iso8601: s) {
                    expires = .some(t)
                } else {
                    r.add("datetime_from_date_parsing", "expires_at", "Input should be a valid datetime (ISO 8601) or null", e)
                }
            }
            return PatchMemoryRequest(content: content, metadata: metadata, metadataMode: mode, scope: scope,
                                      sharedWithAgents: shared, memoryType: type, ttlSeconds: ttl, expiresAt: expires)
        }
    }
}
