import Foundation
import Testing
@testable import AegisHTTP

/// Core memory routes over loopback: shapes, field order, status codes, 422 bodies.
@Suite struct MemoryRouteTests {
    let k = TestServer.devKey

    @Test func addGetQueryDeleteShapes() async throws {
        try await withServer { s in
            let c = s.client
            let add = try await c.request("POST", "/memories/add", key: k,
                                          json: #"{"content":"User prefers dark mode","agent_id":"a1","metadata":{"w":1.0}}"#)
            #expect(add.status == 200)
            #expect(add.text.hasPrefix(#"{"id":""#))
            #expect(add.text.hasSuffix(#","deduped_from":null,"inferred_scope":"agent-private"}"#))
            let id = add.object["id"] as? String ?? ""
            #expect(id.count == 32)

            let dup = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"  user PREFERS dark mode ","agent_id":"a1"}"#)
            #expect(dup.text == #"{"id":"\#(id)","deduped_from":"\#(id)","inferred_scope":null}"#)

            let get = try await c.request("GET", "/memories/\(id)", key: k)
            #expect(get.status == 200)
            let keys = ["id", "content", "user_id", "agent_id", "namespace", "metadata", "created_at", "scope",
                        "shared_with_agents", "derived_from_agents", "coordination_metadata", "score"]
            var pos = get.text.startIndex
            for key in keys {
                guard let r = get.text.range(of: "\"\(key)\":", range: pos..<get.text.endIndex) else {
                    Issue.record("\(key) missing or out of order in \(get.text)"); break
                }
                pos = r.upperBound
            }
            #expect(get.text.contains(#""metadata":{"w":1.0}"#))
            #expect(get.text.contains(#""score":null"#))
            let created = get.object["created_at"] as? String ?? ""
            #expect(created.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3}|\.\d{6})?Z$"#, options: .regularExpression) != nil, "\(created)")

            let q = try await c.request("POST", "/memories/query", key: k,
                                        json: #"{"query":"dark mode","agent_id":"a1","user_id":null,"namespace":"default","top_k":5,"min_score":0.0}"#)
            #expect(q.status == 200)
            let mems = q.object["memories"] as? [[String: Any]] ?? []
            #expect(mems.first?["id"] as? String == id)
            #expect(mems.first?["score"] is Double)
            #expect(q.object["query_time_ms"] != nil)

            let del = try await c.request("DELETE", "/memories/\(id)", key: k)
            #expect(del.status == 204)
            #expect(del.body.isEmpty)
            let again = try await c.request("DELETE", "/memories/\(id)", key: k)
            #expect(again.status == 404)
            #expect(again.text == #"{"detail":"Memory not found"}"#)
            let gone = try await c.request("GET", "/memories/\(id)", key: k)
            #expect(gone.text == #"{"detail":"Memory not found"}"#)
        }
    }

    @Test func validationBodiesMatchFastAPI() async throws {
        try await withServer { s in
            let c = s.client
            let missing = try await c.request("POST", "/memories/add", key: k, json: #"{"agent_id":"a"}"#)
            #expect(missing.status == 422)
            #expect(missing.text == #"{"detail":[{"type":"missing","loc":["body","content"],"msg":"Field required","input":{"agent_id":"a"}}]}"#)

            let many = try await c.request("POST", "/memories/add", key: k,
                                           json: #"{"content":"","agent_id":"\#(String(repeating: "x", count: 65))","namespace":null,"ttl_seconds":5.5,"scope":"team"}"#)
            #expect(many.text == #"{"detail":[{"type":"string_too_short","loc":["body","content"],"msg":"String should have at least 1 character","input":"","ctx":{"min_length":1}},{"type":"string_too_long","loc":["body","agent_id"],"msg":"String should have at most 64 characters","input":"\#(String(repeating: "x", count: 65))","ctx":{"max_length":64}},{"type":"string_type","loc":["body","namespace"],"msg":"Input should be a valid string","input":null},{"type":"int_from_float","loc":["body","ttl_seconds"],"msg":"Input should be a valid integer, got a number with a fractional part","input":5.5},{"type":"value_error","loc":["body","scope"],"msg":"Value error, scope must be one of: ['agent-private', 'agent-shared', 'global']","input":"team","ctx":{"error":{}}}]}"#)

            let q = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"x","top_k":101,"min_score":"1.5"}"#)
            #expect(q.text == #"{"detail":[{"type":"less_than_equal","loc":["body","top_k"],"msg":"Input should be less than or equal to 100","input":101,"ctx":{"le":100}},{"type":"less_than_equal","loc":["body","min_score"],"msg":"Input should be less than or equal to 1","input":"1.5","ctx":{"le":1.0}}]}"#)

            // Lax coercion: numeric strings and integral floats are accepted.
            let lax = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"x","top_k":"5","min_score":0}"#)
            #expect(lax.status == 200)
            let lax2 = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"x","top_k":5.0}"#)
            #expect(lax2.status == 200)

            let batch = try await c.request("POST", "/memories/add_batch", key: k, json: #"{"items":[{"content":"ok"},{"content":5}]}"#)
            #expect(batch.text == #"{"detail":[{"type":"string_type","loc":["body","items",1,"content"],"msg":"Input should be a valid string","input":5}]}"#)
            let big = "[" + Array(repeating: #"{"content":"c"}"#, count: 101).joined(separator: ",") + "]"
            let tooMany = try await c.request("POST", "/memories/add_batch", key: k, json: #"{"items":\#(big)}"#)
            #expect(tooMany.status == 422)
            #expect((tooMany.object["detail"] as? [[String: Any]])?.first?["type"] as? String == "too_long")
            let empty = try await c.request("POST", "/memories/add_batch", key: k, json: #"{"items":[]}"#)
            #expect(empty.text == #"{"detail":[{"type":"too_short","loc":["body","items"],"msg":"List should have at least 1 item after validation, not 0","input":[],"ctx":{"field_type":"List","min_length":1,"actual_length":0}}]}"#)

            let notObject = try await c.request("POST", "/memories/add", key: k, json: "[1,2]")
            #expect(notObject.text == #"{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1,2]}]}"#)
            let noBody = try await c.request("POST", "/memories/add", key: k)
            #expect(noBody.text == #"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#)
            let badJSON = try await c.request("POST", "/memories/add", key: k, json: #"{"content": }"#)
            #expect(badJSON.status == 422)
            #expect((badJSON.object["detail"] as? [[String: Any]])?.first?["type"] as? String == "json_invalid")
        }
    }

    @Test func jsonWithoutContentTypeAndFrameworkErrors() async throws {
        try await withServer { s in
            let c = s.client
            // The guide's second export example sends no content type.
            let r = try await c.send("POST", "/memories/add", headers: [("Authorization", "Bearer \(k)")],
                                     body: Array(#"{"content":"no content type"}"#.utf8))
            #expect(r.status == 200)
            let t = try await c.send("POST", "/memories/query", headers: [("Authorization", "Bearer \(k)"), ("Content-Type", "text/plain")],
                                     body: Array(#"{"query":"no content type"}"#.utf8))
            #expect(t.status == 200)

            let nf = try await c.request("GET", "/nowhere", key: k)
            #expect(nf.status == 404)
            #expect(nf.text == #"{"detail":"Not Found"}"#)
            let na = try await c.request("PUT", "/memories/add", key: k)
            #expect(na.status == 405)
            #expect(na.text == #"{"detail":"Method Not Allowed"}"#)
            #expect(na.header("Allow") != nil)
            let slash = try await c.request("POST", "/memories/add/", key: k, json: "{}")
            #expect(slash.status == 307)
            #expect(slash.header("Location") == "/memories/add")
            #expect(nf.header("X-Request-ID")?.count == 16)
            let echoed = try await c.request("GET", "/health", headers: [("X-Request-ID", "abc123")])
            #expect(echoed.header("X-Request-ID") == "abc123")
            #expect(echoed.header("X-Response-Time")?.hasSuffix("s") == true)
            #expect(echoed.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test func handoffAndCrossAgent() async throws {
        try await withServer { s in
            let c = s.client
            _ = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"alpha fact one","agent_id":"src","scope":"global"}"#)
            _ = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"alpha fact two","agent_id":"src","scope":"agent-shared","shared_with_agents":["dst"]}"#)
            let h = try await c.request("POST", "/memories/handoff", key: k,
                                        json: #"{"source_agent_id":"src","target_agent_id":"dst","namespace":"default","user_id":null,"task_context":null,"max_memories":20}"#)
            #expect(h.status == 200)
            #expect(h.text.hasPrefix(#"{"source_agent_id":"src","target_agent_id":"dst","namespace":"default","user_id":null,"task_context":null,"summary":null,"active_tasks":[],"blocked_on":[],"recent_decisions":[],"key_facts":["#))
            #expect((h.object["memory_ids"] as? [String])?.count == 2)
            let x = try await c.request("POST", "/memories/query_cross_agent", key: k,
                                        json: #"{"query":"alpha fact","requesting_agent_id":"dst","target_agent_ids":null,"top_k":10}"#)
            #expect((x.object["memories"] as? [Any])?.count == 2)
            let none = try await c.request("POST", "/memories/query_cross_agent", key: k,
                                           json: #"{"query":"alpha fact","requesting_agent_id":"dst","target_agent_ids":[]}"#)
            #expect((none.object["memories"] as? [Any])?.count == 0)
        }
    }
}
