import Foundation
import Testing
@testable import AegisHTTP

/// ACE, session, feature, eval and dashboard routes over loopback.
@Suite struct ACERouteTests {
    let k = TestServer.devKey

    @Test func voteDeltaReflectionPlaybook() async throws {
        try await withServer { s in
            let c = s.client
            let id = (try await c.request("POST", "/memories/add", key: k, json: #"{"content":"retry with backoff","agent_id":"a"}"#)).object["id"] as? String ?? ""
            let v = try await c.request("POST", "/memories/ace/vote/\(id)", key: k, json: #"{"vote":"helpful","voter_agent_id":"b"}"#)
            #expect(v.text == #"{"memory_id":"\#(id)","bullet_helpful":1,"bullet_harmful":0,"effectiveness_score":0.5}"#)
            let bad = try await c.request("POST", "/memories/ace/vote/\(id)", key: k, json: #"{"vote":"meh","voter_agent_id":"b"}"#)
            #expect(bad.text == #"{"detail":[{"type":"literal_error","loc":["body","vote"],"msg":"Input should be 'helpful' or 'harmful'","input":"meh","ctx":{"expected":"'helpful' or 'harmful'"}}]}"#)
            let missing = try await c.request("POST", "/memories/ace/vote/0123456789abcdef0123456789abcdef", key: k,
                                              json: #"{"vote":"harmful","voter_agent_id":"b"}"#)
            #expect(missing.status == 404)

            let d = try await c.request("POST", "/memories/ace/delta", key: k, json: #"""
                {"operations":[{"type":"add","content":"use exponential backoff","memory_type":"strategy","agent_id":"a","namespace":"default","scope":null,"metadata":null},
                               {"type":"update","memory_id":"\#(id)","metadata_patch":{"k":"v"}}]}
                """#)
            #expect(d.status == 200)
            let results = d.object["results"] as? [[String: Any]] ?? []
            #expect(results.count == 2)
            #expect(results.allSatisfy { $0["success"] as? Bool == true })
            #expect(d.text.contains(#""operation":"add","success":true,"memory_id":""#))
            let emptyOps = try await c.request("POST", "/memories/ace/delta", key: k, json: #"{"operations":[]}"#)
            #expect(emptyOps.status == 422)
            let badType = try await c.request("POST", "/memories/ace/delta", key: k, json: #"{"operations":[{"type":"merge"}]}"#)
            #expect(badType.text.contains(#""type":"literal_error","loc":["body","operations",0,"type"]"#))

            let r = try await c.request("POST", "/memories/ace/reflection", key: k,
                                        json: #"{"content":"always check the timeout","agent_id":"a","error_pattern":"timeout"}"#)
            #expect(r.status == 200)
            #expect(r.text.hasSuffix(#","memory_type":"reflection","scope":"global","effectiveness_score":0.0}"#))

            let p = try await c.request("POST", "/memories/ace/playbook", key: k,
                                        json: #"{"query":"backoff timeout","agent_id":"a","namespace":"default","include_types":["strategy","reflection"],"top_k":20,"min_effectiveness":-1.0}"#)
            #expect(p.status == 200)
            let entries = p.object["entries"] as? [[String: Any]] ?? []
            #expect(entries.count == 2)
            #expect(p.text.contains(#""error_pattern":"timeout","created_at":""#))
            let badTypes = try await c.request("POST", "/memories/ace/playbook", key: k, json: #"{"query":"x","agent_id":"a","include_types":["bogus"]}"#)
            #expect(badTypes.status == 422)
        }
    }

    @Test func sessionsAndFeatures() async throws {
        try await withServer { s in
            let c = s.client
            let created = try await c.request("POST", "/memories/ace/session", key: k, json: #"{"session_id":"s1","agent_id":"a"}"#)
            #expect(created.status == 200)
            #expect(created.text.contains(#""session_id":"s1","status":"active","completed_count":0,"total_items":0,"progress_percent":0.0,"completed_items":[],"in_progress_item":null,"next_items":[],"blocked_items":[],"summary":null,"last_action":null,"updated_at":""#))
            let dup = try await c.request("POST", "/memories/ace/session", key: k, json: #"{"session_id":"s1"}"#)
            #expect(dup.status == 409)
            let patched = try await c.request("PATCH", "/memories/ace/session/s1", key: k,
                                              json: #"{"completed_items":["a","b"],"total_items":4,"blocked_items":[{"item":"c","reason":"waiting"}]}"#)
            #expect(patched.object["progress_percent"] as? Double == 50.0)
            #expect(patched.object["completed_items"] as? [String] == ["a", "b"])
            let badBlocked = try await c.request("PATCH", "/memories/ace/session/s1", key: k, json: #"{"blocked_items":[{"item":1}]}"#)
            #expect(badBlocked.status == 422)
            let badStatus = try await c.request("PATCH", "/memories/ace/session/s1", key: k, json: #"{"status":"sleeping"}"#)
            #expect(badStatus.status == 422)
            let nf = try await c.request("GET", "/memories/ace/session/nope", key: k)
            #expect(nf.text == #"{"detail":"Session not found"}"#)

            let f = try await c.request("POST", "/memories/ace/feature", key: k,
                                        json: #"{"feature_id":"login","description":"User can log in","test_steps":["open","submit"]}"#)
            #expect(f.text.contains(#""feature_id":"login","description":"User can log in","category":null,"status":"not_started","passes":false,"test_steps":["open","submit"],"implemented_by":null,"verified_by":null,"updated_at":""#))
            let fdup = try await c.request("POST", "/memories/ace/feature", key: k, json: #"{"feature_id":"login","description":"again"}"#)
            #expect(fdup.status == 409)
            let done = try await c.request("PATCH", "/memories/ace/feature/login?namespace=default", key: k,
                                           json: #"{"status":"complete","passes":true,"verified_by":"qa"}"#)
            #expect(done.object["passes"] as? Bool == true)
            let other = try await c.request("GET", "/memories/ace/feature/login?namespace=other", key: k)
            #expect(other.text == #"{"detail":"Feature not found"}"#)
            let list = try await c.request("GET", "/memories/ace/features?namespace=default", key: k)
            #expect(list.text.hasSuffix(#""total":1,"passing":1,"failing":0,"in_progress":0}"#))
        }
    }

    @Test func evalAndDashboard() async throws {
        try await withServer { s in
            let c = s.client
            _ = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"something","agent_id":"a"}"#)
            let m = try await c.request("GET", "/memories/ace/eval/metrics?window=global", key: k)
            #expect(Set(m.object.keys) == ["success_rate", "retrieval_precision", "pollution_rate", "mttr_seconds", "total_tasks",
                                          "passing_tasks", "total_memories", "helpful_votes", "harmful_votes", "window"])
            let bad = try await c.request("GET", "/memories/ace/eval/metrics?window=week", key: k)
            #expect(bad.status == 400)
            #expect(bad.text == #"{"detail":"Invalid window. Use 24h, 7d, 30d, or global."}"#)
            let corr = try await c.request("GET", "/memories/ace/eval/correlation", key: k)
            #expect(corr.text == #"{"correlation_score":0.0,"prob_pass_given_helpful":0.0,"prob_pass_given_harmful":0.0,"sample_size":0,"helpful_count":0,"harmful_count":0}"#)
            let stats = try await c.request("GET", "/memories/ace/dashboard/stats?namespace=default&agent_id=a", key: k)
            #expect(stats.object["total_memories"] as? Int == 1)
            #expect(stats.object["by_type"] is [String: Any])
            let act = try await c.request("GET", "/memories/ace/dashboard/activity?limit=5", key: k)
            #expect((act.object["items"] as? [Any])?.count == 1)
            let neg = try await c.request("GET", "/memories/ace/dashboard/activity?limit=-1", key: k)
            #expect(neg.status == 422)
            #expect(neg.text.contains(#""loc":["query","limit"]"#))
            _ = try await c.request("POST", "/memories/ace/session", key: k, json: #"{"session_id":"s9"}"#)
            let sess = try await c.request("GET", "/memories/ace/dashboard/sessions?namespace=default&limit=100", key: k)
            #expect(sess.text.contains(#""session_id":"s9""#))
            #expect(sess.text.contains("+00:00\""))
        }
    }
}
