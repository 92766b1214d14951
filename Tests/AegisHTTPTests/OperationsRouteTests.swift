import Foundation
import Testing
import AegisVector
@testable import AegisEngine
@testable import AegisHTTP

/// Export/import, health/ready/metrics, limits (413, JSON caps, 429) over loopback.
@Suite struct OperationsRouteTests {
    let k = TestServer.devKey

    @Test func exportImportRoundTrip() async throws {
        try await withServer { s in
            let c = s.client
            _ = try await c.request("POST", "/memories/add", key: k,
                                    json: #"{"content":"shared note","agent_id":"a","scope":"agent-shared","shared_with_agents":["b"],"ttl_seconds":3600,"namespace":"ns1"}"#)
            let dep = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"old rule","agent_id":"a","namespace":"ns1"}"#)
            let depId = dep.object["id"] as? String ?? ""
            _ = try await c.request("POST", "/memories/ace/delta", key: k, json: #"{"operations":[{"type":"deprecate","memory_id":"\#(depId)"}]}"#)
            let jsonl = try await c.request("POST", "/memories/export", key: k, json: #"{"format":"jsonl","namespace":"ns1"}"#)
            #expect(jsonl.status == 200)
            #expect(jsonl.header("Content-Type") == "application/x-ndjson")
            #expect(jsonl.header("Content-Disposition") == "attachment; filename=aegis_export_default-project.jsonl")
            let lines = jsonl.text.split(separator: "\n")
            #expect(lines.count == 2)
            let json = try await c.request("POST", "/memories/export", key: k, json: #"{"format":"json"}"#)
            #expect(json.object["memories"] is [Any])
            #expect((json.object["stats"] as? [String: Any])?["total_exported"] as? Int == 2)
            let badFormat = try await c.request("POST", "/memories/export", key: k, json: #"{"format":"xml"}"#)
            #expect(badFormat.text.contains(#""type":"string_pattern_mismatch""#))

            // Into a fresh server: NDJSON with newlines stripped (curl -d) plus one bad record.
            try await withServer { t in
                let body = lines.joined() + #"{"content":5}"#
                let imp = try await t.client.request("POST", "/memories/import", key: k, json: body)
                #expect(imp.status == 200)
                #expect(imp.object["imported"] as? Int == 2)
                #expect(imp.object["skipped"] as? Int == 0)
                let errors = imp.object["errors"] as? [[String: Any]] ?? []
                #expect(errors.count == 1)
                #expect(errors.first?["record"] as? Int == 2)
                let again = try await t.client.request("POST", "/memories/import", key: k, json: "[" + lines.joined(separator: ",") + "]")
                #expect(again.object["skipped"] as? Int == 2)
                let back = try await t.client.request("POST", "/memories/export", key: k, json: #"{"format":"jsonl"}"#)
                #expect(back.text.contains(#""shared_with_agents":["b"]"#))
                #expect(back.text.contains(#""is_deprecated":true"#))
                let wrapped = try await t.client.request("POST", "/memories/import", key: k, json: #"{"memories":[{"content":"wrapped one"}]}"#)
                #expect(wrapped.object["imported"] as? Int == 1)
            }
        }
    }

    @Test func healthReadyMetrics() async throws {
        try await withServer { s in
            let c = s.client
            let h = try await c.request("GET", "/health")
            #expect(h.text.hasPrefix(#"{"status":"healthy","version":"1.2.0","features":["voting","delta_updates","progress_tracking","feature_tracking","hybrid_retrieval"],"database":"connected""#))
            let r = try await c.request("GET", "/ready")
            #expect(r.text == #"{"status":"ready","database":"connected","embedding_service":"healthy"}"#)
            let root = try await c.request("GET", "/")
            #expect(root.text == #"{"name":"Aegis Memory API","version":"1.2.0","docs":"/docs","health":"/health","metrics":"/metrics"}"#)
            _ = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"metric me"}"#)
            _ = try await c.request("POST", "/memories/query", key: k, json: #"{"query":"metric"}"#)
            _ = try await c.request("GET", "/memories/0123456789abcdef0123456789abcdef", key: k)
            let m = try await c.request("GET", "/metrics")
            #expect(m.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            for name in ["aegis_http_requests_total", "aegis_http_request_duration_seconds", "aegis_memory_operations_total",
                         "aegis_memory_operation_duration_seconds", "aegis_embedding_cache_hits_total",
                         "aegis_embedding_cache_misses_total", "aegis_db_pool_size", "aegis_db_pool_checked_out", "aegis_ace_votes_total"] {
                #expect(m.text.contains("# TYPE \(name) "), "\(name) missing")
            }
            #expect(m.text.contains(#"aegis_http_requests_total{method="POST",endpoint="/memories/add",status="200"} 1"#))
            #expect(m.text.contains(#"aegis_http_requests_total{method="GET",endpoint="/memories/{memory_id}",status="404"} 1"#))
            #expect(m.text.contains(#"aegis_http_request_duration_seconds_bucket{method="POST",endpoint="/memories/query",le="0.01"}"#))
            #expect(m.text.contains(#"aegis_http_request_duration_seconds_bucket{method="POST",endpoint="/memories/query",le="+Inf"} 1"#))
            #expect(m.text.contains(#"aegis_memory_operations_total{operation="add",status="success"} 1"#))
            #expect(m.text.contains("aegis_db_pool_size 64.0\n"))
            #expect(!m.text.contains("metric me"))
            // Memory by component (docs/operations.md, "Memory"); the added memory's graph node counts.
            #expect(m.text.contains("# TYPE aegis_memory_bytes gauge"))
            for component in ["vectors_mapped", "vectors_tail", "vectors_engine", "codes", "graph", "rows", "indexes", "other"] {
                #expect(m.text.contains(#"aegis_memory_bytes{component="\#(component)"} "#), "\(component) missing")
            }
            #expect(!m.text.contains(#"aegis_memory_bytes{component="graph"} 0.0"#))
            #expect(m.text.contains("aegis_index_failed 0.0\n"))
            #expect(h.text.contains(#""indexes_loaded_from_checkpoint":0,"indexes_rebuilt":0,"indexes_failed":0"#))
        }
    }

    /// A failed graph: /ready stays 200 but says degraded with the reason; the gauge counts it.
    @Test func readyDegradedOnFailedGraph() async throws {
        try await withServer { s in
            _ = try await s.client.request("POST", "/memories/add", key: k, json: #"{"content":"graph to break","agent_id":"a1","scope":"global"}"#)
            // A non-finite row makes the real graph insert throw, which marks the graph failed.
            let dim = s.server.engine.health().embeddingDimension
            let bad = StableVectorRows(dimension: dim)
            let row = bad.append([Float](repeating: .nan, count: dim))
            s.server.engine.spaces.withSpace("default-project") { $0?.ann?.insert(slot: 10_000, row: row) }
            let r = try await s.client.request("GET", "/ready")
            #expect(r.status == 200)
            #expect(r.text.hasPrefix(#"{"status":"degraded","database":"connected","embedding_service":"healthy","index":"degraded","reason":"vector index failed for project(s) default-project ("#))
            let m = try await s.client.request("GET", "/metrics")
            #expect(m.text.contains("aegis_index_failed 1.0\n"))
            #expect(m.text.contains(#"aegis_graph_healthy{project="default-project"} 0.0"#))
            let q = try await s.client.request("POST", "/memories/query", key: k, json: #"{"query":"graph to break"}"#)
            #expect(q.status == 200 && q.text.contains("graph to break"))
        }
    }

    @Test func readyReportsEmbedderDown() async throws {
        let s = try await TestServer.start(embedder: FailingEmbedder())
        let r = try await s.client.request("GET", "/ready")
        await s.stop()
        #expect(r.status == 503)
        #expect(r.text == #"{"status":"not ready","database":"connected","embedding_service":"unhealthy","reason":"embedder unavailable"}"#)
    }

    @Test func bodyAndJSONLimits() async throws {
        try await withServer(configure: { $0.maxBodyBytes = 1000; $0.jsonLimits.maxDepth = 10 }) { s in
            let c = s.client
            let big = try await c.request("POST", "/memories/add", key: k, json: #"{"content":"\#(String(repeating: "x", count: 2000))"}"#)
            #expect(big.status == 413)
            // 413 needs a key first: an unauthenticated oversized body is a 401.
            let anon = try await c.request("POST", "/memories/add", json: #"{"content":"\#(String(repeating: "x", count: 2000))"}"#)
            #expect(anon.status == 401)
            let deep = try await c.request("POST", "/memories/add", key: k,
                                           json: #"{"content":"x","metadata":"# + String(repeating: "[", count: 20) + String(repeating: "]", count: 20) + "}")
            #expect(deep.status == 422)
            #expect(deep.text.contains("nested too deeply"))
        }
    }

    @Test func rateLimitExactAtTheBoundaryPerProject() async throws {
        let keys = [TestServer.key("alpha-key", project: "alpha"), TestServer.key("beta-key", project: "beta")]
        try await withServer(configure: { $0.rateLimits = .init(perMinute: 5, perHour: 100) }, keys: keys, singleKey: nil) { s in
            let c = s.client
            for i in 0..<5 {
                let r = try await c.request("POST", "/memories/query", key: "alpha-key", json: i == 0 ? "{}" : #"{"query":"q"}"#)
                #expect(r.status == (i == 0 ? 422 : 200), "request \(i)")  // a 422 consumes quota too (§1.4)
            }
            let limited = try await c.request("POST", "/memories/query", key: "alpha-key", json: #"{"query":"q"}"#)
            #expect(limited.status == 429)
            #expect(limited.text == #"{"detail":"Rate limit exceeded: 5/minute"}"#)
            let retry = Int(limited.header("Retry-After") ?? "") ?? 0
            #expect((1...61).contains(retry))
            // 401s do not consume quota and open routes are not limited.
            #expect(try await c.request("GET", "/health").status == 200)
            #expect(try await c.request("POST", "/memories/query", key: "beta-key", json: #"{"query":"q"}"#).status == 200)
        }
    }

    @Test func corsIsOffByDefaultAndOptIn() async throws {
        try await withServer(configure: { $0.corsOrigins = ["https://app.example"] }) { s in
            let pre = try await s.client.request("OPTIONS", "/memories/add",
                                                 headers: [("Origin", "https://app.example"), ("Access-Control-Request-Method", "POST")])
            #expect(pre.status == 200)
            #expect(pre.header("Access-Control-Allow-Origin") == "https://app.example")
            let other = try await s.client.request("GET", "/health", headers: [("Origin", "https://evil.example")])
            #expect(other.header("Access-Control-Allow-Origin") == nil)
        }
    }
}
