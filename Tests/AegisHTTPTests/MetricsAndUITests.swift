import Foundation
import Testing
@testable import AegisHTTP

/// `/metrics` through swift-metrics + swift-prometheus (names, labels, buckets of the operations
/// guide; the new gauges; `promtool check metrics` on a real scrape) and the `/ui` routes'
/// headers and embedded assets. The page's behaviour is tested in a real browser (Tests/Browser).
@Suite struct MetricsAndUITests {
    let k = TestServer.devKey

    static var promtool: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/promtool"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
    /// `make test` sets AEGIS_REQUIRE_OPS_TOOLS=1 (and installs promtool): then a missing promtool fails.
    static var promtoolWanted: Bool { ProcessInfo.processInfo.environment["AEGIS_REQUIRE_OPS_TOOLS"] == "1" || promtool != nil }

    @Test func scrapeKeepsTheGuidesSeriesAndAddsTheNewGauges() async throws {
        try await withServer { s in
            let c = s.client
            _ = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"metric one","agent_id":"a1"}"#)
            let q = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"metric"}"#)
            #expect(q.status == 200)
            try await s.server.engine.checkpoint()
            let m = try await c.request("GET", "/metrics")
            let text = m.text
            // Help and type lines for every family of the guide.
            for (name, type) in [("aegis_http_requests_total", "counter"), ("aegis_http_request_duration_seconds", "histogram"),
                                 ("aegis_memory_operations_total", "counter"), ("aegis_memory_operation_duration_seconds", "histogram"),
                                 ("aegis_embedding_cache_hits_total", "counter"), ("aegis_embedding_cache_misses_total", "counter"),
                                 ("aegis_db_pool_size", "gauge"), ("aegis_db_pool_checked_out", "gauge"), ("aegis_ace_votes_total", "counter"),
                                 ("aegis_memory_bytes", "gauge"), ("aegis_index_failed", "gauge"), ("aegis_graph_healthy", "gauge"),
                                 ("aegis_graph_memories", "gauge"), ("aegis_checkpoint_duration_seconds", "histogram"),
                                 ("aegis_last_checkpoint_duration_seconds", "gauge")] {
                #expect(text.contains("# TYPE \(name) \(type)\n"), "\(name) \(type) missing")
                #expect(text.contains("# HELP \(name) "), "\(name) has no help line")
            }
            // The guide's buckets, unchanged.
            for le in ["0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "+Inf"] {
                #expect(text.contains(#"aegis_http_request_duration_seconds_bucket{method="POST",endpoint="/memories/query",le="\#(le)"} "#), "le \(le)")
            }
            for le in ["0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "+Inf"] {
                #expect(text.contains(#"aegis_memory_operation_duration_seconds_bucket{operation="query",le="\#(le)"} "#), "op le \(le)")
            }
            #expect(text.contains(#"aegis_memory_operation_duration_seconds_count{operation="query"} 1"#))
            #expect(text.contains(#"aegis_ace_votes_total{vote_type="harmful"} 0"#))
            #expect(text.contains(#"aegis_memory_operations_total{operation="delete",status="error"} 0"#))
            #expect(text.contains(#"aegis_graph_healthy{project="default-project"} 1.0"#))
            #expect(text.contains(#"aegis_graph_memories{project="default-project"} 1.0"#))
            #expect(text.contains("aegis_checkpoint_duration_seconds_count 1\n"))
            #expect(!text.contains("aegis_last_checkpoint_duration_seconds 0.0\n"))
            // A test server is not started by `serve`: no recovery time is claimed.
            #expect(!text.contains("aegis_recovery_duration_seconds"))
            // A second scrape does not observe the same checkpoint twice.
            let again = try await c.request("GET", "/metrics")
            #expect(again.text.contains("aegis_checkpoint_duration_seconds_count 1\n"))
        }
    }

    @Test(.enabled(if: promtoolWanted, "promtool missing: apt-get install prometheus (make promtool-deps)"))
    func promtoolAcceptsARealScrape() async throws {
        let tool = try #require(Self.promtool, "promtool not installed (make promtool-deps)")
        try await withServer { s in
            let c = s.client
            _ = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"promtool \"quoted\" \\ content","agent_id":"a1"}"#)
            _ = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"promtool"}"#)
            _ = try await c.request("GET", "/no/such/path")
            try await s.server.engine.checkpoint()
            let m = try await c.request("GET", "/metrics")
            let p = Process()
            p.executableURL = URL(fileURLWithPath: tool)
            p.arguments = ["check", "metrics"]
            let input = Pipe(), output = Pipe()
            p.standardInput = input; p.standardOutput = output; p.standardError = output
            try p.run()
            input.fileHandleForWriting.write(Data(m.body))
            try input.fileHandleForWriting.close()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "promtool check metrics: \(said)")
        }
    }

    /// `GET /memories/ace/votes/{memory_id}` (the browser's vote list): every vote with voter,
    /// context and task, oldest first; 404 exactly where `GET /memories/{id}` is 404.
    @Test func votesAreListedWithTheirContext() async throws {
        try await withServer(keys: [TestServer.key("bound-key", project: "default-project", agent: "b1")]) { s in
            let c = s.client
            let add = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"vote on me","agent_id":"a1","scope":"agent-private"}"#)
            let id = try #require(add.object["id"] as? String)
            let empty = try await c.request("GET", "/memories/ace/votes/\(id)", key: k)
            #expect(empty.status == 200 && empty.text == #"{"memory_id":"\#(id)","votes":[],"total":0}"#)
            _ = try await c.request("POST", "/memories/ace/vote/\(id)", key: k, json: #"{"vote":"helpful","voter_agent_id":"v1","context":"<b>saved me</b>","task_id":"t-9"}"#)
            _ = try await c.request("POST", "/memories/ace/vote/\(id)", key: k, json: #"{"vote":"harmful","voter_agent_id":"v2"}"#)
            let r = try await c.request("GET", "/memories/ace/votes/\(id)", key: k)
            #expect(r.status == 200)
            #expect(r.object["total"] as? Int == 2)
            let votes = try #require(r.object["votes"] as? [[String: Any]])
            #expect(votes.map { $0["vote"] as? String } == ["helpful", "harmful"])
            #expect(votes.map { $0["voter_agent_id"] as? String } == ["v1", "v2"])
            #expect(votes[0]["context"] as? String == "<b>saved me</b>" && votes[0]["task_id"] as? String == "t-9")
            #expect(votes[1]["context"] is NSNull && votes[1]["task_id"] is NSNull)
            #expect((votes[0]["created_at"] as? String)?.hasSuffix("Z") == true)
            #expect(!r.text.contains("<b>"))  // escaped on the wire like every body
            let missing = try await c.request("GET", "/memories/ace/votes/0123456789abcdef0123456789abcdef", key: k)
            #expect(missing.status == 404 && missing.text == #"{"detail":"Memory not found"}"#)
            // An agent-bound key that may not read the (private) memory gets 404, as for GET /memories/{id}.
            let bound = try await c.request("GET", "/memories/ace/votes/\(id)", key: "bound-key")
            #expect(bound.status == 404)
        }
    }

    @Test func uiIsServedWithItsSecurityHeaders() async throws {
        try await withServer { s in
            let c = s.client
            let page = try await c.request("GET", "/ui")
            #expect(page.status == 200)
            #expect(page.header("Content-Type") == "text/html; charset=utf-8")
            #expect(page.header("Content-Security-Policy")?.hasPrefix("default-src 'self'") == true)
            #expect(page.header("X-Frame-Options") == "DENY")
            for id in ["api-key", "connect", "search-input", "search-button", "tab-sessions", "tab-features", "tab-dashboard",
                       "memory-detail", "vote-helpful", "vote-harmful", "effectiveness-chart", "filter-agent", "filter-namespace", "filter-scope"] {
                #expect(page.text.contains(#"data-testid="\#(id)""#), "\(id) missing from the page")
            }
            // Self-contained: no other origin named, no inline script or style.
            #expect(!page.text.contains("http://") && !page.text.contains("https://"))
            #expect(!page.text.contains("<script>") && !page.text.contains("style="))
            let js = try await c.request("GET", "/ui/app.js")
            #expect(js.status == 200 && js.header("Content-Type") == "text/javascript; charset=utf-8")
            for banned in ["innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "new Function", "localStorage", "document.write"] {
                #expect(!js.text.contains(banned), "app.js uses \(banned)")
            }
            #expect(js.text.contains("sessionStorage"))
            let css = try await c.request("GET", "/ui/app.css")
            #expect(css.status == 200 && css.header("Content-Type") == "text/css; charset=utf-8")
            let icon = try await c.request("GET", "/ui/icon.svg")
            #expect(icon.status == 200 && icon.header("Content-Type") == "image/svg+xml")
            // A few hundred KB at most, all four together.
            #expect(page.body.count + js.body.count + css.body.count + icon.body.count < 300_000)
            // The page holds no data: no key needed, and a key is never required to load it.
            let slash = try await c.request("GET", "/ui/")
            #expect(slash.status == 307 && slash.header("Location") == "/ui")
        }
    }
}
