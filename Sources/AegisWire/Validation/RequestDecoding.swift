import AegisCore
import AegisEngine

/// Body → engine request values for the core memory routes, with the 1.2 field rules (docs/api.md, "Memories").
/// Each decoder throws `EngineError.validation` carrying every issue found.
package enum RequestDecoding {
    package static let body: [LocElement] = [.key("body")]
    package static let scopes = ["agent-private", "agent-shared", "global"]

    /// Runs `decode` on the body object and throws the collected issues, if any.
    package static func decodeBody<T>(_ value: JSONValue?, _ decode: (inout FieldReader) -> T) throws(EngineError) -> T {
        var issues: [ValidationIssue] = []
        guard var r = FieldReader.model(value, loc: body, issues: &issues) else { throw EngineError.validation(issues) }
        let out = decode(&r)
        if !r.issues.isEmpty { throw EngineError.validation(r.issues) }
        return out
    }

    /// `MemoryCreate` at `r.loc` (the body, or `body.items[i]`).
    package static func memoryCreate(_ r: inout FieldReader) -> AddMemoryRequest {
        let content = r.requiredString("content", min: 1, max: 100_000)
        let userId = r.optionalString("user_id", max: 64)
        let agentId = r.optionalString("agent_id", max: 64)
        let namespace = r.defaultedString("namespace", default: "default", max: 64)
        let metadata = r.optionalObject("metadata")
        let ttl = r.optionalInt("ttl_seconds", ge: 1, le: 31_536_000)
        let scope = r.optionalString("scope")
        if let scope, !scopes.contains(scope) {
            r.add("value_error", "scope", "Value error, scope must be one of: ['agent-private', 'agent-shared', 'global']",
                  .string(scope), ctx: [("error", "{}")])
        }
        let shared = r.optionalStringList("shared_with_agents")
        let derived = r.optionalStringList("derived_from_agents")
        let coord = r.optionalObject("coordination_metadata")
        return AddMemoryRequest(content: content, userId: userId, agentId: agentId, namespace: namespace,
                                metadata: metadata, ttlSeconds: ttl, scope: scope, sharedWithAgents: shared,
                                derivedFromAgents: derived, coordinationMetadata: coord)
    }

    package static func add(_ v: JSONValue?) throws(EngineError) -> AddMemoryRequest {
        try decodeBody(v) { memoryCreate(&$0) }
    }

    package static func addBatch(_ v: JSONValue?) throws(EngineError) -> AddBatchRequest {
        try decodeBody(v) { r in
            guard let items = r.requiredList("items", minItems: 1, maxItems: 100) else { return AddBatchRequest(items: []) }
            var out: [AddMemoryRequest] = []
            for (i, item) in items.enumerated() {
                let loc = r.loc + [.key("items"), .index(i)]
                guard var ir = FieldReader.model(item, loc: loc, issues: &r.issues) else { continue }
                out.append(memoryCreate(&ir))
                r.issues += ir.issues
            }
            return AddBatchRequest(items: out)
        }
    }

    package static func query(_ v: JSONValue?) throws(EngineError) -> QueryRequest {
        try decodeBody(v) { r in
            QueryRequest(query: r.requiredString("query", min: 1, max: 10_000),
                         userId: r.optionalString("user_id"),
                         agentId: r.optionalString("agent_id"),
                         namespace: r.defaultedString("namespace", default: "default"),
                         topK: r.defaultedInt("top_k", default: 10, ge: 1, le: 100),
                         minScore: r.defaultedDouble("min_score", default: 0.0, ge: 0.0, le: 1.0),
                         retrieval: retrieval(&r))
        }
    }

    package static func queryCrossAgent(_ v: JSONValue?) throws(EngineError) -> CrossAgentQueryRequest {
        try decodeBody(v) { r in
            CrossAgentQueryRequest(query: r.requiredString("query", min: 1, max: 10_000),
                                   requestingAgentId: r.requiredString("requesting_agent_id", min: 1, max: 64),
                                   targetAgentIds: r.optionalStringList("target_agent_ids"),
                                   userId: r.optionalString("user_id"),
                                   namespace: r.defaultedString("namespace", default: "default"),
                                   topK: r.defaultedInt("top_k", default: 10, ge: 1, le: 100),
                                   minScore: r.defaultedDouble("min_score", default: 0.0, ge: 0.0, le: 1.0),
                                   retrieval: retrieval(&r))
        }
    }

    package static func handoff(_ v: JSONValue?) throws(EngineError) -> HandoffRequest {
        try decodeBody(v) { r in
            HandoffRequest(sourceAgentId: r.requiredString("source_agent_id"),
                           targetAgentId: r.requiredString("target_agent_id"),
                           namespace: r.defaultedString("namespace", default: "default"),
                           userId: r.optionalString("user_id"),
                           taskContext: r.optionalString("task_context", max: 10_000),
                           maxMemories: r.defaultedInt("max_memories", default: 20, ge: 1, le: 100))
        }
    }

    /// `ExportRequest` (docs/api.md, "Export and import"): filter plus format and `include_embeddings`.
    package struct Export { package var filter: ExportFilter; package var format: String; package var includeEmbeddings: Bool }

    package static func export(_ v: JSONValue?) throws(EngineError) -> Export {
        try decodeBody(v) { r in
            let ns = r.optionalString("namespace")
            let agent = r.optionalString("agent_id")
            let format = r.patternString("format", ["jsonl", "json"], pattern: "^(jsonl|json)$", default: "jsonl")
            let emb = r.defaultedBool("include_embeddings", default: false)
            let limit = r.optionalInt("limit", ge: 1, le: 100_000)
            let expired = r.defaultedBool("include_expired", default: false)
            return Export(filter: ExportFilter(namespace: ns?.isEmpty == true ? nil : ns,
                                               agentId: agent?.isEmpty == true ? nil : agent,
                                               limit: limit, includeExpired: expired),
                          format: format, includeEmbeddings: emb)
        }
    }
}
