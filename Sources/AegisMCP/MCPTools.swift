import AegisCore
import AegisEngine
import AegisWire
import MCP

/// Runs one tool call against the engine, as `caller`. Every tool decodes its arguments with
/// the REST validators (AegisWire's RequestDecoding) and calls the same engine operation the
/// REST route calls (docs/mcp.md, "Tools"), so writes take the one engine write path.
struct MCPTools: Sendable {
    let engine: AegisEngine
    let caller: MCPCaller
    let observer: MCPOperationObserver?

    /// Unknown tools are the protocol's error (JSON-RPC invalid params); everything else is a
    /// tool result, `isError` for a bad argument or a refused operation.
    func call(_ name: String, _ arguments: [String: Value]?) async throws -> CallTool.Result {
        guard MCPToolCatalog.names.contains(name) else {
            throw MCPError.invalidParams("Unknown tool: \(name)")
        }
        let args: JSONValue
        do { args = try MCPArguments.unwrap(arguments) } catch {
            observer?.tool(name, false)
            return MCPToolResult.failure(error)
        }
        do {
            let result = MCPToolResult.success(try await run(name, args))
            observer?.tool(name, true)
            return result
        } catch {
            observer?.tool(name, false)
            return MCPToolResult.failure(error)
        }
    }

    private func run(_ name: String, _ a: JSONValue) async throws -> [UInt8] {
        let p = caller.project, bound = caller.boundAgent
        var w = JSONWriter(capacity: 2048)
        switch name {
        case "add_memory":
            let r = try RequestDecoding.add(a)
            let out = try await measured("add") { try await engine.add(project: p, r, boundAgent: bound) }
            ResponseEncoding.addResult(out, &w)
        case "query_memory":
            let r = try RequestDecoding.query(a)
            let out = try await measured("query") { try await engine.query(project: p, r, boundAgent: bound) }
            ResponseEncoding.query(out, &w)
        case "cross_agent_query":
            let r = try RequestDecoding.queryCrossAgent(a)
            let out = try await measured("query") { try await engine.queryCrossAgent(project: p, r, boundAgent: bound) }
            ResponseEncoding.query(out, &w)
        case "vote_memory":
            let id = try MCPArguments.memoryId(a)
            let r = try RequestDecoding.vote(a)
            let out = try await measured("vote") { try await engine.vote(project: p, memoryId: id, r, boundAgent: bound) }
            observer?.vote(r.vote)
            ResponseEncoding.vote(out, &w)
        case "add_reflection":
            let r = try RequestDecoding.reflection(a)
            ResponseEncoding.reflection(try await engine.reflection(project: p, r, boundAgent: bound), &w)
        case "update_session":
            ResponseEncoding.session(try await updateSession(a), &w)
        case "list_features":
            var q = MCPArguments.reader(a)
            let r = ListFeaturesRequest(namespace: q.defaultedString("namespace", default: "default"),
                                        sessionId: q.optionalString("session_id"), status: q.optionalString("status"))
            if !q.issues.isEmpty { throw EngineError.validation(q.issues) }
            ResponseEncoding.featureList(try await engine.listFeatures(project: p, r), &w)
        case "get_memory":
            let id = try MCPArguments.memoryId(a)
            ResponseEncoding.memory(try await engine.get(project: p, id: id, boundAgent: bound), &w)
        case "delete_memory":
            let id = try MCPArguments.memoryId(a)
            try await measured("delete") { try await engine.delete(project: p, id: id, boundAgent: bound) }
            w.beginObject(); w.key("deleted"); w.bool(true); w.key("memory_id"); w.string(id); w.endObject()
        case "handoff":
            let r = try RequestDecoding.handoff(a)
            ResponseEncoding.baton(try await engine.handoff(project: p, r, boundAgent: bound), &w)
        case "get_playbook":
            let r = try RequestDecoding.playbook(a)
            let out = try await measured("query") { try await engine.playbook(project: p, r, boundAgent: bound) }
            ResponseEncoding.playbook(out, &w)
        case "update_feature":
            ResponseEncoding.feature(try await updateFeature(a), &w)
        default:
            throw MCPError.invalidParams("Unknown tool: \(name)")
        }
        return w.bytes
    }

    /// Creates the session on first use (`POST /memories/ace/session`), then applies the
    /// changes (`PATCH /memories/ace/session/{id}`).
    private func updateSession(_ a: JSONValue) async throws -> SessionOut {
        let create = try RequestDecoding.createSession(a)
        let patch = try RequestDecoding.patchSession(a)
        try SessionRules.validate(patch)   // a bad patch must not leave a newly created session behind
        do {
            _ = try await engine.getSession(project: caller.project, sessionId: create.sessionId)
        } catch let e as EngineError where e.code == .notFound {
            do {
                _ = try await engine.createSession(project: caller.project, create, boundAgent: caller.boundAgent)
            } catch let e as EngineError where e.code == .conflict {
                // Created concurrently by another call: patch it.
            }
        }
        return try await engine.patchSession(project: caller.project, sessionId: create.sessionId, patch)
    }

    /// Patches the feature (`PATCH /memories/ace/feature/{id}`); when it does not exist and a
    /// description is given, creates it first (`POST /memories/ace/feature`).
    private func updateFeature(_ a: JSONValue) async throws -> FeatureOut {
        var q = MCPArguments.reader(a)
        let featureId = q.requiredString("feature_id", min: 1, max: 128)
        let ns = q.defaultedString("namespace", default: "default", max: 64)
        if !q.issues.isEmpty { throw EngineError.validation(q.issues) }
        let patch = try RequestDecoding.patchFeature(a)
        try FeatureRules.validate(patch)   // a bad patch must not leave a newly created feature behind
        do {
            _ = try await engine.getFeature(project: caller.project, featureId: featureId, namespace: ns)
        } catch let e as EngineError where e.code == .notFound {
            guard let d = a.objectValue?["description"], !d.isNull else {
                throw EngineError(.notFound, "Feature not found (give description to create it)")
            }
            _ = try await engine.createFeature(project: caller.project, try RequestDecoding.createFeature(a))
        }
        return try await engine.patchFeature(project: caller.project, featureId: featureId, namespace: ns, patch)
    }

    private func measured<T>(_ op: String, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        do {
            let r = try await body()
            observer?.operation(op, start.duration(to: .now), true)
            return r
        } catch {
            observer?.operation(op, start.duration(to: .now), false)
            throw error
        }
    }
}

/// Hooks for the server's metrics (`aegis_memory_operations_total`, votes), so MCP calls are
/// counted like REST calls without this module knowing the metrics registry.
public struct MCPOperationObserver: Sendable {
    public var operation: @Sendable (_ name: String, _ duration: Duration, _ success: Bool) -> Void
    public var vote: @Sendable (_ vote: String) -> Void
    /// One tool call and whether it succeeded (`aegis_mcp_calls_total{tool,status}`).
    public var tool: @Sendable (_ name: String, _ success: Bool) -> Void
    public init(operation: @escaping @Sendable (String, Duration, Bool) -> Void,
                vote: @escaping @Sendable (String) -> Void = { _ in },
                tool: @escaping @Sendable (String, Bool) -> Void = { _, _ in }) {
        self.operation = operation; self.vote = vote; self.tool = tool
    }
}
