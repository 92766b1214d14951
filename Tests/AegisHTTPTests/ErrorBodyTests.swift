import AegisCore
import Foundation
import Testing
@testable import AegisHTTP

/// Issue 18: every error answer is JSON (`application/json`, `nosniff`) and never carries
/// request bytes as markup: `<script>` sent in a path, a query, a header or a body comes back
/// escaped (`\u003c`) or not at all.
@Suite struct ErrorBodyTests {
    static let script = "<script>alert(1)</script>"
    static let pathScript = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"

    /// Checks one reply; `status` nil accepts any 4xx/5xx.
    static func expectSafe(_ r: LoopbackClient.Reply, _ status: Int?, _ what: String) {
        if let status { #expect(r.status == status, "\(what): \(r.status) \(r.text)") } else {
            #expect(r.status >= 400 && r.status < 600, "\(what): \(r.status)")
        }
        #expect(r.header("Content-Type")?.hasPrefix("application/json") == true, "\(what): \(r.header("Content-Type") ?? "no type")")
        #expect(r.json != nil, "\(what): body is not JSON: \(r.text)")
        #expect(r.header("X-Content-Type-Options") == "nosniff", "\(what)")
        #expect(!r.text.contains("<"), "\(what): raw '<' in \(r.text)")
        #expect(!r.text.contains(">"), "\(what): raw '>' in \(r.text)")
    }

    @Test func errorAnswersAreJSONAndEscaped() async throws {
        let now = Timestamp.now()
        let keys = [TestServer.key("bound-key", project: "p", agent: "agent-x"),
                    TestServer.key("revoked-key", project: "p", revokedAt: now)]
        try await withServer(configure: { $0.maxBodyBytes = 4096 }, keys: keys) { s in
            let c = s.client
            let k = TestServer.devKey
            let x = Self.script
            let h = [("X-Evil", x), ("X-Request-ID", "req-1")]
            func send(_ m: String, _ p: String, key: String? = k, _ body: String? = nil,
                      headers: [(String, String)] = h) async throws -> LoopbackClient.Reply {
                try await c.request(m, p, key: key, json: body, headers: headers)
            }
            // 401: no key, other scheme, unknown key (the header value is `<script>`), revoked.
            Self.expectSafe(try await send("GET", "/memories/ace/features", key: nil), 401, "401 no key")
            Self.expectSafe(try await send("GET", "/memories/ace/features", key: nil, headers: h + [("Authorization", x)]), 401, "401 scheme")
            Self.expectSafe(try await send("GET", "/memories/ace/features", key: x), 401, "401 unknown key")
            Self.expectSafe(try await send("GET", "/memories/ace/features", key: "revoked-key"), 401, "401 revoked")
            // 404: unknown routes (escaped path, and a raw `<` in the request line), unknown ids.
            Self.expectSafe(try await send("GET", "/nowhere/\(Self.pathScript)"), 404, "404 route")
            Self.expectSafe(try await send("GET", "/nowhere/\(x)"), nil, "404 raw path")
            Self.expectSafe(try await send("GET", "/memories/\(Self.pathScript)"), nil, "memory id")
            Self.expectSafe(try await send("GET", "/memories/ace/session/\(Self.pathScript)"), 404, "session id")
            Self.expectSafe(try await send("GET", "/memories/ace/feature/\(Self.pathScript)?namespace=\(Self.pathScript)"), 404, "feature id")
            Self.expectSafe(try await send("POST", "/memories/ace/vote/\(Self.pathScript)", #"{"vote":"helpful","voter_agent_id":"\#(x)"}"#), nil, "vote")
            // 405 on a known path with a hostile id.
            Self.expectSafe(try await send("PUT", "/memories/\(Self.pathScript)"), 405, "405")
            // 413: an oversized body full of markup.
            Self.expectSafe(try await send("POST", "/memories/add", String(repeating: x, count: 400)), 413, "413")
            // 422: values echoed as `input` (too long, bad literal, bad scope), broken JSON, bad query.
            Self.expectSafe(try await send("POST", "/memories/add", #"{"content":"c","agent_id":"\#(String(repeating: x, count: 4))"}"#), 422, "422 too long")
            Self.expectSafe(try await send("POST", "/memories/add", #"{"content":"c","scope":"\#(x)"}"#), 422, "422 scope")
            Self.expectSafe(try await send("POST", "/memories/export", #"{"format":"\#(x)"}"#), 422, "422 export format")
            Self.expectSafe(try await send("POST", "/memories/add", #"{"content":"\#(x)"#), 422, "422 broken JSON")
            Self.expectSafe(try await send("POST", "/memories/add", #"{"content":{"\#(x)":1}}"#), 422, "422 object content")
            Self.expectSafe(try await send("GET", "/memories/ace/dashboard/activity?limit=\(Self.pathScript)"), 422, "422 query")
            // 400: a bad eval window.
            Self.expectSafe(try await send("GET", "/memories/ace/eval/metrics?window=\(Self.pathScript)"), 400, "400 window")
            // 403: an agent-bound key and a body claiming `<script>` as the agent (the message names it).
            Self.expectSafe(try await send("POST", "/memories/add", key: "bound-key", #"{"content":"c","agent_id":"\#(x)"}"#), 403, "403")
            // 409: a duplicate session id made of markup.
            let session = #"{"session_id":"\#(x)"}"#
            #expect(try await send("POST", "/memories/ace/session", session).status == 200)
            Self.expectSafe(try await send("POST", "/memories/ace/session", session), 409, "409")
            // Successful answers that echo stored markup are escaped the same way.
            let got = try await send("GET", "/memories/ace/session/\(Self.pathScript)")
            #expect(got.status == 200 && got.object["session_id"] as? String == x)
            Self.expectSafe(LoopbackClient.Reply(status: 400, headers: got.headers, body: got.body), 400, "200 session echo")
            let imported = try await send("POST", "/memories/import", #"{"content":5,"id":"\#(x)"}"#)
            #expect(imported.status == 200)
            Self.expectSafe(LoopbackClient.Reply(status: 400, headers: imported.headers, body: imported.body), 400, "import errors")
            // Open routes ignore hostile input; metrics never record request bytes.
            let health = try await send("GET", "/health?x=\(Self.pathScript)")
            Self.expectSafe(LoopbackClient.Reply(status: 400, headers: health.headers, body: health.body), 400, "health")
            let metrics = try await send("GET", "/metrics")
            #expect(metrics.status == 200 && !metrics.text.contains("script"))
        }
    }

    /// 503 (`/ready` with the embedder down) and 429 are JSON too.
    @Test func unavailableAndRateLimited() async throws {
        let s = try await TestServer.start(configure: { $0.rateLimits = .init(perMinute: 1, perHour: 0) }, embedder: FailingEmbedder())
        do {
            let h = [("X-Evil", Self.script)]
            Self.expectSafe(try await s.client.request("GET", "/ready?x=\(Self.pathScript)", headers: h), 503, "503 ready")
            _ = try await s.client.request("GET", "/memories/ace/features", key: TestServer.devKey)
            Self.expectSafe(try await s.client.request("GET", "/memories/ace/features", key: TestServer.devKey, headers: h), 429, "429")
            let q = try await s.client.request("POST", "/memories/query", key: "other", json: #"{"query":"\#(Self.script)"}"#)
            Self.expectSafe(q, 401, "401 before the embedder")
        }
        await s.stop()
    }

    /// A request the HTTP/1 decoder rejects gets a JSON 400 (or 431 for huge headers) and the
    /// connection is closed; the hostile bytes are not echoed.
    @Test(arguments: [
        ("GET /<script> HTTP/1.1 HTTP/1.1\r\n\r\n", 400),
        ("<script>alert(1)</script>\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nBad Header <script>: x\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nX-Big: " + String(repeating: "<script>", count: 12_000) + "\r\n\r\n", 431),
    ])
    func malformedRequestsGetJSON(_ raw: String, _ status: Int) async throws {
        try await withServer { s in
            let port = s.port
            let (reply, closed) = try await onDispatchThread { () throws -> (LoopbackClient.Reply?, Bool) in
                let c = try RawConnection(port: port)
                c.send(raw)
                let r = c.readResponse(seconds: 30)
                return (r, c.waitForClose(seconds: 10))
            }
            guard let reply else { Issue.record("no answer to \(raw.prefix(40))"); return }
            Self.expectSafe(reply, status, "malformed \(raw.prefix(40))")
            #expect(reply.header("Connection")?.lowercased() == "close")
            #expect(closed)
        }
    }
}
