import AegisCore
import Foundation
import Testing
@testable import AegisHTTP

/// `POST /mcp` goes through the REST pipeline: key, rate limit, body cap, metrics label; the tools
/// run as the key's project and bound agent (docs/mcp.md, "Keys and isolation").
@Suite struct MCPRouteTests {
    static let headers = [("Accept", "application/json, text/event-stream")]

    static func call(_ tool: String, _ args: String) -> String {
        #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\#(tool)","arguments":\#(args)}}"#
    }

    static func result(_ r: LoopbackClient.Reply) -> [String: Any] { r.object["result"] as? [String: Any] ?? [:] }

    @Test func keyBindingAndProjectApplyToTools() async throws {
        let keys = [TestServer.key("alice-key", project: "p1", agent: "alice"),
                    TestServer.key("bob-key", project: "p1", agent: "bob"),
                    TestServer.key("other-key", project: "p2")]
        try await withServer(keys: keys) { s in
            let c = s.client
            // no key → 401 with the REST body
            var r = try await c.request("POST", "/mcp", json: Self.call("list_features", "{}"), headers: Self.headers)
            #expect(r.status == 401 && r.object["detail"] != nil)
            // alice cannot act as bob
            r = try await c.request("POST", "/mcp", key: "alice-key",
                                    json: Self.call("add_memory", #"{"content":"x","agent_id":"bob"}"#), headers: Self.headers)
            #expect(r.status == 200 && Self.result(r)["isError"] as? Bool == true)
            r = try await c.request("POST", "/mcp", key: "alice-key",
                                    json: Self.call("add_memory", #"{"content":"alice private","agent_id":"alice","scope":"agent-private"}"#),
                                    headers: Self.headers)
            let id = (Self.result(r)["structuredContent"] as? [String: Any])?["id"] as? String
            #expect(id != nil)
            // bob (same project) and p2 do not see it; alice does
            for key in ["bob-key", "other-key"] {
                r = try await c.request("POST", "/mcp", key: key, json: Self.call("get_memory", #"{"memory_id":"\#(id ?? "")"}"#),
                                        headers: Self.headers)
                #expect(Self.result(r)["isError"] as? Bool == true, "\(key): \(r.text)")
            }
            r = try await c.request("POST", "/mcp", key: "alice-key", json: Self.call("get_memory", #"{"memory_id":"\#(id ?? "")"}"#),
                                    headers: Self.headers)
            #expect(Self.result(r)["isError"] as? Bool == false)
            // GET is 405 (no server-to-client stream)
            r = try await c.request("GET", "/mcp", key: "alice-key")
            #expect(r.status == 405)
            let metrics = String(decoding: s.server.metrics.render(), as: UTF8.self)
            #expect(metrics.contains(#"aegis_http_requests_total{method="POST",endpoint="/mcp",status="200"}"#))
            #expect(metrics.contains(#"aegis_http_requests_total{method="POST",endpoint="/mcp",status="401"}"#))
            #expect(metrics.contains(#"aegis_mcp_calls_total{tool="get_memory",status="success"}"#), "\(metrics)")
            let adds = metrics.split(separator: "\n").first { $0.hasPrefix(#"aegis_memory_operations_total{operation="add",status="success"}"#) }
            #expect(adds.map { Double($0.split(separator: " ").last ?? "") ?? 0 } ?? 0 >= 1, "\(adds ?? "")")
        }
    }

    @Test func rateLimitAndBodyCapApply() async throws {
        try await withServer(configure: { $0.rateLimits = .init(perMinute: 2, perHour: 100); $0.maxBodyBytes = 512 }) { s in
            let c = s.client
            let big = Self.call("add_memory", #"{"content":"\#(String(repeating: "x", count: 600))"}"#)
            var r = try await c.request("POST", "/mcp", key: TestServer.devKey, json: big, headers: Self.headers)
            #expect(r.status == 413)
            r = try await c.request("POST", "/mcp", key: TestServer.devKey, json: Self.call("list_features", "{}"), headers: Self.headers)
            #expect(r.status == 200)
            r = try await c.request("POST", "/mcp", key: TestServer.devKey, json: Self.call("list_features", "{}"), headers: Self.headers)
            #expect(r.status == 429 && r.header("Retry-After") != nil)
        }
    }
}
