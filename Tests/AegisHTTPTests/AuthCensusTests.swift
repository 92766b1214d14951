import AegisCore
import Foundation
import Testing
@testable import AegisHTTP

/// Reliability R21: every route of the router × {no header, malformed, wrong key, revoked,
/// expired, other project's key, valid}. A route without an entry in `matrix` fails the test,
/// so a new route cannot ship without an auth expectation.
@Suite struct AuthCensusTests {
    struct Sample { var path: String; var body: String?; var validStatus: Int }

    /// Ids created in project alpha before the census runs.
    struct Fixture { var memory: String; var doomed: String; var session: String; var feature: String }

    static func matrix(_ f: Fixture) -> [String: (RouteAuth, Sample)] {
        [
            "GET /": (.open, Sample(path: "/", body: nil, validStatus: 200)),
            "GET /health": (.open, Sample(path: "/health", body: nil, validStatus: 200)),
            "GET /ready": (.open, Sample(path: "/ready", body: nil, validStatus: 200)),
            "GET /metrics": (.open, Sample(path: "/metrics", body: nil, validStatus: 200)),
            "GET /ui": (.open, Sample(path: "/ui", body: nil, validStatus: 200)),
            "GET /ui/app.js": (.open, Sample(path: "/ui/app.js", body: nil, validStatus: 200)),
            "GET /ui/app.css": (.open, Sample(path: "/ui/app.css", body: nil, validStatus: 200)),
            "GET /ui/icon.svg": (.open, Sample(path: "/ui/icon.svg", body: nil, validStatus: 200)),
            "POST /memories/add": (.project, Sample(path: "/memories/add", body: #"{"content":"census add","agent_id":"a"}"#, validStatus: 200)),
            "POST /memories/add_batch": (.project, Sample(path: "/memories/add_batch", body: #"{"items":[{"content":"census batch"}]}"#, validStatus: 200)),
            "POST /memories/query": (.project, Sample(path: "/memories/query", body: #"{"query":"census"}"#, validStatus: 200)),
            "POST /memories/query_cross_agent": (.project, Sample(path: "/memories/query_cross_agent", body: #"{"query":"census","requesting_agent_id":"a"}"#, validStatus: 200)),
            "POST /memories/handoff": (.project, Sample(path: "/memories/handoff", body: #"{"source_agent_id":"a","target_agent_id":"b"}"#, validStatus: 200)),
            "POST /memories/hybrid_query": (.project, Sample(path: "/memories/hybrid_query", body: #"{"query":"census"}"#, validStatus: 200)),
            "GET /memories/{memory_id}": (.project, Sample(path: "/memories/\(f.memory)", body: nil, validStatus: 200)),
            "PATCH /memories/{memory_id}": (.project, Sample(path: "/memories/\(f.memory)", body: #"{"metadata":{"census":true}}"#, validStatus: 200)),
            "DELETE /memories/{memory_id}": (.project, Sample(path: "/memories/\(f.doomed)", body: nil, validStatus: 204)),
            "POST /memories/export": (.project, Sample(path: "/memories/export", body: "{}", validStatus: 200)),
            "POST /memories/import": (.project, Sample(path: "/memories/import", body: #"{"content":"census import"}"#, validStatus: 200)),
            "POST /memories/ace/vote/{memory_id}": (.project, Sample(path: "/memories/ace/vote/\(f.memory)", body: #"{"vote":"helpful","voter_agent_id":"a"}"#, validStatus: 200)),
            "GET /memories/ace/votes/{memory_id}": (.project, Sample(path: "/memories/ace/votes/\(f.memory)", body: nil, validStatus: 200)),
            "POST /memories/ace/delta": (.project, Sample(path: "/memories/ace/delta", body: #"{"operations":[{"type":"add","content":"census delta"}]}"#, validStatus: 200)),
            "POST /memories/ace/reflection": (.project, Sample(path: "/memories/ace/reflection", body: #"{"content":"census reflection","agent_id":"a"}"#, validStatus: 200)),
            "POST /memories/ace/playbook": (.project, Sample(path: "/memories/ace/playbook", body: #"{"query":"census","agent_id":"a"}"#, validStatus: 200)),
            "POST /memories/ace/session": (.project, Sample(path: "/memories/ace/session", body: #"{"session_id":"census-new-\#(UUID().uuidString.prefix(8))"}"#, validStatus: 200)),
            "GET /memories/ace/session/{session_id}": (.project, Sample(path: "/memories/ace/session/\(f.session)", body: nil, validStatus: 200)),
            "PATCH /memories/ace/session/{session_id}": (.project, Sample(path: "/memories/ace/session/\(f.session)", body: #"{"summary":"s"}"#, validStatus: 200)),
            "POST /memories/ace/feature": (.project, Sample(path: "/memories/ace/feature", body: #"{"feature_id":"census-new-\#(UUID().uuidString.prefix(8))","description":"d"}"#, validStatus: 200)),
            "GET /memories/ace/feature/{feature_id}": (.project, Sample(path: "/memories/ace/feature/\(f.feature)", body: nil, validStatus: 200)),
            "PATCH /memories/ace/feature/{feature_id}": (.project, Sample(path: "/memories/ace/feature/\(f.feature)", body: #"{"implemented_by":"a"}"#, validStatus: 200)),
            "GET /memories/ace/features": (.project, Sample(path: "/memories/ace/features", body: nil, validStatus: 200)),
            "GET /memories/ace/eval/metrics": (.project, Sample(path: "/memories/ace/eval/metrics", body: nil, validStatus: 200)),
            "GET /memories/ace/eval/correlation": (.project, Sample(path: "/memories/ace/eval/correlation", body: nil, validStatus: 200)),
            "GET /memories/ace/dashboard/stats": (.project, Sample(path: "/memories/ace/dashboard/stats", body: nil, validStatus: 200)),
            "GET /memories/ace/dashboard/activity": (.project, Sample(path: "/memories/ace/dashboard/activity", body: nil, validStatus: 200)),
            "GET /memories/ace/dashboard/sessions": (.project, Sample(path: "/memories/ace/dashboard/sessions", body: nil, validStatus: 200)),
            // Authenticated, then the MCP transport wants `Accept: application/json`, which the census omits (MCPRouteTests sends it).
            "POST /mcp": (.project, Sample(path: "/mcp", body: #"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#, validStatus: 406)),
        ]
    }

    static let keys: [APIKeyRecord] = [
        TestServer.key("alpha-key", project: "alpha"),
        TestServer.key("beta-key", project: "beta"),
        TestServer.key("revoked-key", project: "alpha", revokedAt: Timestamp.now()),
        TestServer.key("expired-key", project: "alpha", expiresAt: Timestamp(seconds: 1_000)),
    ]

    static func fixture(_ c: LoopbackClient, key: String) async throws -> Fixture {
        let m = try await c.request("POST", "/memories/add", key: key, json: #"{"content":"fixture memory","agent_id":"a"}"#)
        let d = try await c.request("POST", "/memories/add", key: key, json: #"{"content":"doomed memory","agent_id":"a"}"#)
        let s = try await c.request("POST", "/memories/ace/session", key: key, json: #"{"session_id":"fixture-session"}"#)
        let f = try await c.request("POST", "/memories/ace/feature", key: key, json: #"{"feature_id":"fixture-feature","description":"x"}"#)
        #expect([m.status, d.status, s.status, f.status] as [Int] == [200, 200, 200, 200])
        return Fixture(memory: m.object["id"] as? String ?? "", doomed: d.object["id"] as? String ?? "",
                       session: "fixture-session", feature: "fixture-feature")
    }

    @Test func everyRouteHasAnAuthExpectationAndHonoursIt() async throws {
        try await withServer(keys: Self.keys, singleKey: nil) { s in
            let c = s.client
            let fx = try await Self.fixture(c, key: "alpha-key")
            let matrix = Self.matrix(fx)
            let routes = s.server.routes.routes
            let names = Set(routes.map { "\($0.method.rawValue) \($0.template)" })
            for n in names where matrix[n] == nil { Issue.record("route \(n) has no auth expectation in the census matrix") }
            for n in matrix.keys where !names.contains(n) { Issue.record("census lists \(n) but the router has no such route") }

            // Deleting first would break later rows, so the DELETE row runs last.
            for route in routes.sorted(by: { ($0.method == .delete ? 1 : 0) < ($1.method == .delete ? 1 : 0) }) {
                let name = "\(route.method.rawValue) \(route.template)"
                guard let (auth, sample) = matrix[name] else { continue }
                #expect(route.auth == auth, "\(name): declared \(route.auth), census expects \(auth)")
                func call(_ header: String?) async throws -> LoopbackClient.Reply {
                    var h: [(String, String)] = []
                    if let header { h.append(("Authorization", header)) }
                    return try await c.send(route.method.rawValue, sample.path, headers: h, body: sample.body.map { Array($0.utf8) })
                }
                if auth == .open {
                    let r = try await call(nil)
                    #expect(r.status == sample.validStatus, "\(name) without key: \(r.status)")
                    continue
                }
                let denied: [(String?, String)] = [
                    (nil, "Missing Authorization header"),
                    ("Token alpha-key", "Missing Authorization header"),
                    ("Basic YWxwaGEta2V5", "Missing Authorization header"),
                    ("Bearer", "Missing Authorization header"),
                    ("Bearer\talpha-key", "Missing Authorization header"),
                    ("Bearer wrong-key", "Invalid API key"),
                    ("bearer wrong-key", "Invalid API key"),
                    ("Bearer revoked-key", "API key revoked"),
                    ("BEARER revoked-key", "API key revoked"),
                    ("Bearer expired-key", "API key expired"),
                ]
                for (header, detail) in denied {
                    let r = try await call(header)
                    #expect(r.status == 401, "\(name) with \(header ?? "no header"): \(r.status)")
                    #expect(r.object["detail"] as? String == detail, "\(name) with \(header ?? "no header"): \(r.text)")
                    #expect(r.header("WWW-Authenticate") == nil)
                }
                // Another project's key is authenticated but cannot see alpha's resources. Sent
                // with a lower-case scheme and two spaces: the scheme matches in any case.
                let other = try await call("bearer  beta-key")
                let idRoute = route.template.contains("{")
                #expect(other.status == (idRoute ? 404 : sample.validStatus), "\(name) with beta's key: \(other.status) \(other.text)")
                let ok = try await call("Bearer alpha-key")
                #expect(ok.status == sample.validStatus, "\(name) with a valid key: \(ok.status) \(ok.text)")
            }
        }
    }
}
