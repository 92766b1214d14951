import AegisCore
import AegisEmbedding
import AegisEngine
import Foundation
import MCP
import Testing
@testable import AegisMCP

/// Bad tool input is an `isError` result naming the field, and writes nothing; unknown tools and
/// malformed JSON-RPC are protocol errors (docs/mcp.md, "Errors").
@Suite struct MCPToolErrorTests {
    static func tools(bound: String? = nil) async throws -> (MCPTools, AegisEngine) {
        let engine = try await AegisEngine.inMemory(embedder: try HashingEmbedder(dimension: 64))
        return (MCPTools(engine: engine, caller: MCPCaller(project: "p", boundAgent: bound), observer: nil), engine)
    }

    static func text(_ r: CallTool.Result) -> String {
        if case .text(let t, _, _) = r.content.first { return t }
        return ""
    }

    @Test(arguments: [
        ("query_memory", ["query": Value.string("x"), "top_k": .int(1000)], "top_k"),
        ("query_memory", ["top_k": .int(3)], "query"),
        ("add_memory", ["agent_id": .string("a")], "content"),
        ("add_memory", ["content": .int(5)], "content"),
        ("add_memory", ["content": .string("c"), "scope": .string("public")], "scope"),
        ("add_memory", ["content": .string("c"), "ttl_seconds": .int(0)], "ttl_seconds"),
        ("add_memory", ["input_data": .string("no")], "input_data"),
        ("vote_memory", ["memory_id": .string("m"), "vote": .string("meh"), "voter_agent_id": .string("b")], "vote"),
        ("vote_memory", ["vote": .string("helpful"), "voter_agent_id": .string("b")], "memory_id"),
        ("cross_agent_query", ["query": .string("x")], "requesting_agent_id"),
        ("add_reflection", ["content": .string("c")], "agent_id"),
        ("update_session", ["session_id": .string("s"), "status": .string("sleeping")], "status"),
        ("update_session", ["completed_items": .array([.string("a")])], "session_id"),
        ("update_feature", ["feature_id": .string("f"), "description": .string("d"), "passes": .string("maybe")], "passes"),
        // checks the engine makes (not the decoder): still nothing created
        ("update_feature", ["feature_id": .string("f"), "description": .string("d"), "status": .string("complete"),
                            "passes": .bool(false)], "passes"),
        ("update_session", ["session_id": .string("s"), "total_items": .int(2_000_000_000)], "total_items"),
        ("update_session", ["session_id": .string("s"), "blocked_items": .array([.object(["item": .int(1)])])], "blocked_items"),
        ("handoff", ["source_agent_id": .string("a"), "target_agent_id": .string("b"), "max_memories": .int(0)], "max_memories"),
        ("get_playbook", ["query": .string("q"), "agent_id": .string("a"), "include_types": .array([.string("x")])], "include_types"),
        ("get_memory", [:], "memory_id"),
        ("delete_memory", ["memory_id": .string("")], "memory_id"),
    ] as [(String, [String: Value], String)])
    func badArgumentIsAToolErrorNamingTheField(tool: String, args: [String: Value], field: String) async throws {
        let (t, engine) = try await Self.tools()
        let r = try await t.call(tool, args)
        #expect(r.isError == true)
        #expect(Self.text(r).contains("'\(field)"), "\(tool): \(Self.text(r))")
        let detail = r.structuredContent?.objectValue?["error"]?.objectValue?["detail"]?.arrayValue ?? []
        #expect(detail.contains { $0.objectValue?["field"]?.stringValue?.hasPrefix(field) == true }, "\(detail)")
        // Nothing was written: no memory, no session, no feature.
        #expect(engine.health().indexedMemories == 0)
        await #expect(throws: EngineError.self) { _ = try await engine.getSession(project: "p", sessionId: "s") }
        await #expect(throws: EngineError.self) { _ = try await engine.getFeature(project: "p", featureId: "f") }
    }

    @Test func inputDataWrapperAndFlatArgumentsAreTheSame() async throws {
        let (t, _) = try await Self.tools()
        let a = try await t.call("add_memory", ["input_data": .object(["content": "one fact", "agent_id": "a"])])
        let b = try await t.call("add_memory", ["content": "one fact", "agent_id": "a"])
        #expect(a.isError == false && b.isError == false)
        // deduplicated: the same memory
        #expect(a.structuredContent?.objectValue?["id"] == b.structuredContent?.objectValue?["id"])
        #expect(b.structuredContent?.objectValue?["deduped_from"] != nil)
        // text copy == structured content
        let text = Self.text(b)
        #expect(try JSONDecoder().decode(Value.self, from: Data(text.utf8)) == b.structuredContent)
    }

    @Test func boundCallerCannotActAsAnotherAgent() async throws {
        let (t, engine) = try await Self.tools(bound: "alice")
        let r = try await t.call("add_memory", ["content": "x", "agent_id": "bob"])
        #expect(r.isError == true)
        #expect(Self.text(r).contains("bound"), "\(Self.text(r))")
        #expect(r.structuredContent?.objectValue?["error"]?.objectValue?["code"] == "forbidden")
        #expect(engine.health().indexedMemories == 0)
        let own = try await t.call("add_memory", ["content": "x", "agent_id": "alice", "scope": "agent-private"])
        #expect(own.isError == false)
        // bob (another bound caller) does not see it, through any read
        let bob = MCPTools(engine: engine, caller: MCPCaller(project: "p", boundAgent: "bob"), observer: nil)
        let id = own.structuredContent!.objectValue!["id"]!
        #expect(try await bob.call("get_memory", ["memory_id": id]).isError == true)
        let q = try await bob.call("cross_agent_query", ["query": "x", "requesting_agent_id": "bob"])
        #expect(q.structuredContent?.objectValue?["memories"]?.arrayValue?.isEmpty == true)
        let recent = try await MCPResources(engine: engine, caller: MCPCaller(project: "p", boundAgent: "bob"))
            .read(MCPResources.recent)
        #expect(recent.contents.first?.text?.contains(id.stringValue!) == false)
        // another project does not see it either
        let other = MCPTools(engine: engine, caller: MCPCaller(project: "q"), observer: nil)
        #expect(try await other.call("get_memory", ["memory_id": id]).isError == true)
    }

    @Test func unknownToolIsAProtocolError() async throws {
        let (t, _) = try await Self.tools()
        await #expect(throws: MCPError.self) { _ = try await t.call("no_such_tool", [:]) }
    }

    @Test func everyToolHasADescribedSchema() {
        #expect(MCPToolCatalog.tools.count == 12)
        for tool in MCPToolCatalog.tools {
            #expect((tool.description ?? "").count > 20, "\(tool.name)")
            let props = tool.inputSchema.objectValue?["properties"]?.objectValue ?? [:]
            for (name, schema) in props {
                let description = schema.objectValue?["description"]?.stringValue ?? ""
                #expect(description.count > 5, "\(tool.name).\(name)")
            }
            for r in tool.inputSchema.objectValue?["required"]?.arrayValue ?? [] {
                #expect(props[r.stringValue ?? ""] != nil, "\(tool.name) requires undeclared \(r)")
            }
        }
    }

    /// JSON-RPC over the real SDK server and stateless transport, as `/mcp` runs it.
    @Test func malformedJSONRPCIsAProtocolError() async throws {
        let engine = try await AegisEngine.inMemory(embedder: try HashingEmbedder(dimension: 64))
        let service = AegisMCPService(engine: engine, version: "test")
        let caller = MCPCaller(project: "p")
        let h = ["Accept": "application/json, text/event-stream", "Content-Type": "application/json"]
        func post(_ body: String, headers: [String: String] = h) async -> (Int, [String: Any]) {
            let r = await service.handleHTTP(method: "POST", headers: headers, body: Array(body.utf8), caller: caller)
            return (r.status, (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:])
        }
        func code(_ o: [String: Any]) -> Int? { (o["error"] as? [String: Any])?["code"] as? Int }
        var (s, o) = await post("{not json")
        #expect(s == 400 && code(o) == -32700)
        (s, o) = await post(#"[1, 2]"#)
        #expect(s == 400)
        (s, o) = await post(#"{"jsonrpc":"2.0","id":1,"method":"no/such"}"#)
        #expect(s == 200 && code(o) == -32601)
        (s, o) = await post(#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"nope","arguments":{}}}"#)
        #expect(s == 200 && code(o) == -32602)
        (s, o) = await post(#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"arguments":{}}}"#)
        #expect(code(o) != nil)
        (s, o) = await post(#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#, headers: ["Content-Type": "application/json", "Accept": "text/html"])
        #expect(s == 406)
        (s, _) = await post(#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#)
        #expect(s == 202)
        (s, o) = await post(#"{"jsonrpc":"2.0","id":5,"method":"initialize","params":{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#)
        #expect(s == 200 && (o["result"] as? [String: Any])?["protocolVersion"] as? String == "2025-03-26")
        (s, o) = await post(#"{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"list_features","arguments":{}}}"#)
        #expect(s == 200 && (o["result"] as? [String: Any])?["isError"] as? Bool == false)
    }
}
