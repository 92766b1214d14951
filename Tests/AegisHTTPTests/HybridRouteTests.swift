import Foundation
import Testing
@testable import AegisHTTP

/// `POST /memories/hybrid_query`, `retrieval` on the query routes and `PATCH /memories/{id}` over
/// loopback: shapes, field order, 422 bodies (docs/api.md, "Hybrid retrieval", "Editing a memory").
@Suite struct HybridRouteTests {
    let k = TestServer.devKey

    @Test func hybridQueryShapeAndExplain() async throws {
        try await withServer { s in
            let c = s.client
            var ids: [String] = []
            for code in ["4471", "4417", "7144"] {
                let r = try await c.request("POST", "/memories/add", key: k,
                                            json: #"{"content":"Checkout failed with ERR_PAYMENT_\#(code)","agent_id":"a","scope":"global"}"#)
                ids.append(r.object["id"] as? String ?? "")
            }
            let h = try await c.request("POST", "/memories/hybrid_query", key: k,
                                        json: #"{"query":"ERR_PAYMENT_4417","agent_id":"b","top_k":2,"candidate_pool":10}"#)
            #expect(h.status == 200, "\(h.text)")
            let results = h.object["results"] as? [[String: Any]] ?? []
            #expect(results.count == 2 && results.first?["id"] as? String == ids[1])
            #expect(h.text.hasPrefix(#"{"results":[{"id":""#))
            #expect(h.text.contains(#","meta":{"mode":"hybrid","candidate_pool":10,"decay_applied":false},"query_time_ms":"#))
            var pos = h.text.startIndex
            for key in ["id", "content", "score", "memory_type", "scope", "effectiveness", "agent_id"] {
                guard let r = h.text.range(of: "\"\(key)\":", range: pos..<h.text.endIndex) else {
                    Issue.record("\(key) missing or out of order in \(h.text)"); break
                }
                pos = r.upperBound
            }
            #expect(!h.text.contains("explain"))
            let x = try await c.request("POST", "/memories/hybrid_query", key: k, json: #"{"query":"ERR_PAYMENT_4417","explain":true,"apply_decay":true}"#)
            let first = (x.object["results"] as? [[String: Any]])?.first?["explain"] as? [String: Any] ?? [:]
            #expect(first["lexical_rank"] as? Int == 1 && first["dense_rank"] is Int && first["bm25_score"] is Double)
            #expect(first["fused_score"] is Double && first["decay_factor"] is Double)
            #expect((x.object["meta"] as? [String: Any])?["decay_applied"] as? Bool == true)

            let q = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"ERR_PAYMENT_7144","retrieval":"lexical","top_k":1}"#)
            #expect((q.object["memories"] as? [[String: Any]])?.first?["id"] as? String == ids[2])
            let n = try await c.request("POST", "/memories/query_cross_agent", key: k,
                                        json: #"{"query":"ERR_PAYMENT_4471","requesting_agent_id":"z","retrieval":null,"top_k":1}"#)
            #expect(n.status == 200)
        }
    }

    @Test func validationBodies() async throws {
        try await withServer { s in
            let c = s.client
            let bad = try await c.request("POST", "/memories/hybrid_query", key: k, json: #"{"query":"","top_k":0,"candidate_pool":500,"apply_decay":"maybe"}"#)
            #expect(bad.status == 422)
            let locs = (bad.object["detail"] as? [[String: Any]] ?? []).map { ($0["loc"] as? [Any] ?? []).map { "\($0)" }.joined(separator: ".") }
            #expect(locs == ["body.query", "body.top_k", "body.candidate_pool", "body.apply_decay"], "\(bad.text)")
            let r = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"x","retrieval":"fuzzy"}"#)
            #expect(r.status == 422)
            #expect(r.text.contains(#""type":"literal_error","loc":["body","retrieval"],"msg":"Input should be 'dense', 'hybrid' or 'lexical'""#), "\(r.text)")
        }
    }

    @Test func patchRoute() async throws {
        try await withServer { s in
            let c = s.client
            let a = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"old words here","agent_id":"a","metadata":{"x":1}}"#)
            let id = a.object["id"] as? String ?? ""
            _ = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"taken text","agent_id":"a"}"#)
            let p = try await c.request("PATCH", "/memories/\(id)", key: k,
                                        json: #"{"content":"new words there","metadata":{"y":2},"memory_type":"reflection","expires_at":"2099-01-01T00:00:00Z"}"#)
            #expect(p.status == 200, "\(p.text)")
            #expect(p.object["content"] as? String == "new words there")
            #expect(p.object["memory_type"] as? String == "reflection")
            #expect(p.text.contains(#""metadata":{"x":1,"y":2}"#) && p.text.contains(#""score":null"#))
            #expect(p.object["expires_at"] as? String == "2099-01-01T00:00:00Z")
            let cleared = try await c.request("PATCH", "/memories/\(id)", key: k, json: #"{"expires_at":null,"metadata":{"z":3},"metadata_mode":"replace"}"#)
            #expect(cleared.object["expires_at"] is NSNull && cleared.text.contains(#""metadata":{"z":3}"#), "\(cleared.text)")
            let dup = try await c.request("PATCH", "/memories/\(id)", key: k, json: #"{"content":"Taken Text"}"#)
            #expect(dup.status == 409, "\(dup.text)")
            let missing = try await c.request("PATCH", "/memories/0123456789abcdef0123456789abcdef", key: k, json: #"{"content":"x"}"#)
            #expect(missing.status == 404 && missing.text == #"{"detail":"Memory not found"}"#, "\(missing.text)")
            let empty = try await c.request("PATCH", "/memories/\(id)", key: k, json: "{}")
            #expect(empty.status == 422 && empty.text.contains(#""loc":["body"]"#), "\(empty.text)")
            let both = try await c.request("PATCH", "/memories/\(id)", key: k, json: #"{"ttl_seconds":5,"expires_at":"2099-01-01T00:00:00Z","scope":"everyone","expires":1}"#)
            #expect(both.status == 422, "\(both.text)")
            #expect(both.text.contains(#""loc":["body","scope"]"#))
            let badDate = try await c.request("PATCH", "/memories/\(id)", key: k, json: #"{"expires_at":"soon"}"#)
            #expect(badDate.status == 422 && badDate.text.contains(#""loc":["body","expires_at"]"#), "\(badDate.text)")
            let q = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"new words","agent_id":"a","retrieval":"lexical"}"#)
            #expect((q.object["memories"] as? [[String: Any]])?.first?["id"] as? String == id)
        }
    }
}
