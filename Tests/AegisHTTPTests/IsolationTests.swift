import AegisCore
import Foundation
import Testing
@testable import AegisHTTP

/// Reliability R22/R23: another project's data never appears in any response, its ids answer
/// 404 (not 403); agent-bound keys cannot act as another agent.
@Suite struct IsolationTests {
    @Test func canaryNeverLeaksAcrossProjects() async throws {
        let keys = [TestServer.key("alpha-key", project: "alpha"), TestServer.key("beta-key", project: "beta")]
        try await withServer(keys: keys, singleKey: nil) { s in
            let c = s.client
            let canary = "CANARY\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
            var betaIds: [String] = []
            for (i, scope) in ["global", "agent-private", "agent-shared"].enumerated() {
                let r = try await c.request("POST", "/memories/add", key: "beta-key",
                                            json: #"{"content":"\#(canary) secret \#(i) census query","agent_id":"a","scope":"\#(scope)","shared_with_agents":["a","b"]}"#)
                #expect(r.status == 200)
                betaIds.append(r.object["id"] as? String ?? "")
            }
            _ = try await c.request("POST", "/memories/ace/reflection", key: "beta-key", json: #"{"content":"\#(canary) reflection census query","agent_id":"a"}"#)
            _ = try await c.request("POST", "/memories/ace/session", key: "beta-key", json: #"{"session_id":"\#(canary)-s","agent_id":"a"}"#)
            _ = try await c.request("POST", "/memories/ace/feature", key: "beta-key", json: #"{"feature_id":"\#(canary)-f","description":"\#(canary)"}"#)
            _ = try await c.request("POST", "/memories/ace/vote/\(betaIds[0])", key: "beta-key", json: #"{"vote":"helpful","voter_agent_id":"a","task_id":"\#(canary)-f"}"#)
            // Alpha has some data of its own so responses are not trivially empty.
            _ = try await c.request("POST", "/memories/add", key: "alpha-key", json: #"{"content":"alpha census query note","agent_id":"a","scope":"global"}"#)

            var calls: [(String, String, String?)] = [
                ("POST", "/memories/query", #"{"query":"census query secret","top_k":100}"#),
                ("POST", "/memories/query", #"{"query":"census query secret","agent_id":"a","top_k":100}"#),
                ("POST", "/memories/query_cross_agent", #"{"query":"census query","requesting_agent_id":"b","top_k":100}"#),
                ("POST", "/memories/query", #"{"query":"census query secret \#(canary)","top_k":100,"retrieval":"lexical"}"#),
                ("POST", "/memories/query", #"{"query":"census query secret \#(canary)","agent_id":"a","top_k":100,"retrieval":"hybrid"}"#),
                ("POST", "/memories/query_cross_agent", #"{"query":"\#(canary) census","requesting_agent_id":"b","top_k":100,"retrieval":"hybrid"}"#),
                ("POST", "/memories/hybrid_query", #"{"query":"\#(canary) census query secret","agent_id":"a","top_k":100,"explain":true}"#),
                ("POST", "/memories/hybrid_query", #"{"query":"\#(canary) census query secret","top_k":100}"#),
                ("POST", "/memories/handoff", #"{"source_agent_id":"a","target_agent_id":"b"}"#),
                ("POST", "/memories/ace/playbook", #"{"query":"census query","agent_id":"a","include_types":["standard","reflection","strategy"]}"#),
                ("POST", "/memories/export", #"{"format":"json"}"#),
                ("POST", "/memories/export", #"{"format":"jsonl"}"#),
                ("GET", "/memories/ace/features", nil),
                ("GET", "/memories/ace/eval/metrics", nil),
                ("GET", "/memories/ace/eval/correlation", nil),
                ("GET", "/memories/ace/dashboard/stats", nil),
                ("GET", "/memories/ace/dashboard/activity", nil),
                ("GET", "/memories/ace/dashboard/sessions", nil),
                ("GET", "/memories/ace/session/\(canary)-s", nil),
                ("GET", "/memories/ace/feature/\(canary)-f", nil),
                ("PATCH", "/memories/ace/session/\(canary)-s", #"{"summary":"x"}"#),
                ("PATCH", "/memories/ace/feature/\(canary)-f", #"{"implemented_by":"x"}"#),
            ]
            for id in betaIds {
                calls.append(("GET", "/memories/\(id)", nil))
                calls.append(("GET", "/memories/ace/votes/\(id)", nil))
                calls.append(("POST", "/memories/ace/vote/\(id)", #"{"vote":"harmful","voter_agent_id":"a"}"#))
                calls.append(("POST", "/memories/ace/delta", #"{"operations":[{"type":"deprecate","memory_id":"\#(id)"}]}"#))
                calls.append(("PATCH", "/memories/\(id)", #"{"content":"overwritten"}"#))
                calls.append(("DELETE", "/memories/\(id)", nil))
            }
            for (method, path, body) in calls {
                let r = try await c.send(method, path, headers: [("Authorization", "Bearer alpha-key")], body: body.map { Array($0.utf8) })
                #expect(!r.text.contains(canary), "\(method) \(path) leaked beta's data: \(r.text.prefix(300))")
                #expect(r.status != 403, "\(method) \(path) revealed existence with 403")
                if path.contains(canary) || betaIds.contains(where: { path.hasSuffix($0) }) {
                    #expect(r.status == 404, "\(method) \(path): \(r.status)")
                }
            }
            // Beta's data is untouched by alpha's attempts.
            for id in betaIds {
                let r = try await c.request("GET", "/memories/\(id)", key: "beta-key")
                #expect(r.status == 200)
                #expect(r.object["bullet_harmful"] as? Int == 0)
                #expect(r.object["is_deprecated"] as? Bool == false)
            }
        }
    }

    @Test func agentBoundKeyCannotSpoofAnotherAgent() async throws {
        let keys = [TestServer.key("x-key", project: "alpha", agent: "agent-x"), TestServer.key("admin-key", project: "alpha")]
        try await withServer(keys: keys, singleKey: nil) { s in
            let c = s.client
            let priv = try await c.request("POST", "/memories/add", key: "admin-key",
                                           json: #"{"content":"y private plan","agent_id":"agent-y","scope":"agent-private"}"#)
            let yId = priv.object["id"] as? String ?? ""
            let spoof: [(String, String)] = [
                ("/memories/add", #"{"content":"spoof","agent_id":"agent-y"}"#),
                ("/memories/query", #"{"query":"private plan","agent_id":"agent-y"}"#),
                ("/memories/query_cross_agent", #"{"query":"private plan","requesting_agent_id":"agent-y"}"#),
                ("/memories/ace/vote/\(yId)", #"{"vote":"helpful","voter_agent_id":"agent-y"}"#),
                ("/memories/ace/reflection", #"{"content":"r","agent_id":"agent-y"}"#),
                ("/memories/ace/playbook", #"{"query":"q","agent_id":"agent-y"}"#),
                ("/memories/hybrid_query", #"{"query":"private plan","agent_id":"agent-y"}"#),
            ]
            for (path, body) in spoof {
                let r = try await c.request("POST", path, key: "x-key", json: body)
                #expect(r.status == 403, "\(path) with a spoofed agent: \(r.status) \(r.text)")
            }
            // Acting as itself works, and never shows agent-y's private memory.
            let own = try await c.request("POST", "/memories/query", key: "x-key", json: #"{"query":"private plan","agent_id":"agent-x"}"#)
            #expect(own.status == 200)
            #expect(!own.text.contains("y private plan"))
            let cross = try await c.request("POST", "/memories/query_cross_agent", key: "x-key",
                                            json: #"{"query":"private plan","requesting_agent_id":"agent-x"}"#)
            #expect(!cross.text.contains("y private plan"))
            let export = try await c.request("POST", "/memories/export", key: "x-key", json: "{}")
            #expect(!export.text.contains("y private plan"))
            for body in [#"{"query":"y private plan","agent_id":"agent-x","top_k":100}"#, #"{"query":"y private plan","top_k":100}"#] {
                let h = try await c.request("POST", "/memories/hybrid_query", key: "x-key", json: body)
                #expect(h.status == 200 && !h.text.contains("y private plan"), "\(h.status) \(h.text)")
            }
            // PATCH: another agent's readable-or-not memory is never changed by a bound key.
            let p = try await c.request("PATCH", "/memories/\(yId)", key: "x-key", json: #"{"content":"hijacked"}"#)
            #expect(p.status == 404, "\(p.status) \(p.text)")
            let still = try await c.request("GET", "/memories/\(yId)", key: "admin-key")
            #expect(still.text.contains("y private plan"))
        }
    }
}
