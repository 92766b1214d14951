import Foundation
import Testing
import AegisExport

/// The deployment and monitoring files: alert rules pass promtool (check + unit tests), the
/// dashboard is valid JSON using the guide's metric names, the manifests carry the guide's probes.
@Suite struct OpsFilesTests {
    static let root = PostgresHarness.repoRoot
    static var promtool: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let p = "\(dir)/promtool"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }
    static var promtoolAvailable: Bool { PostgresHarness.required || promtool != nil }

    @Test(.enabled(if: promtoolAvailable, "promtool missing: apt-get install prometheus (make promtool-deps)"))
    func alertRulesPassPromtool() throws {
        let tool = try #require(Self.promtool, "promtool not installed (make promtool-deps)")
        let dir = Self.root.appendingPathComponent("deploy/prometheus").path
        let check = try PostgresHarness.run([tool, "check", "rules", dir + "/aegis-alerts.yml"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("3 rules found"))
        let test = try PostgresHarness.run(["/bin/sh", "-c", "cd '\(dir)' && '\(tool)' test rules aegis-alerts.test.yml"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
    }

    @Test func dashboardUsesTheGuidesMetrics() throws {
        let data = try Data(contentsOf: Self.root.appendingPathComponent("deploy/grafana/aegis-dashboard.json"))
        let obj = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(obj["panels"] as? [[String: Any]])
        let exprs = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }.joined(separator: "\n")
        for metric in ["aegis_http_requests_total", "aegis_http_request_duration_seconds_bucket", "aegis_memory_operations_total",
                       "aegis_embedding_cache_hits_total", "aegis_embedding_cache_misses_total", "aegis_db_pool_checked_out",
                       "aegis_db_pool_size", "aegis_ace_votes_total"] {
            #expect(exprs.contains(metric), "dashboard lacks \(metric)")
        }
        #expect(panels.count >= 6)
    }

    @Test func kubernetesManifestsUseTheGuidesProbes() throws {
        let s = try String(contentsOf: Self.root.appendingPathComponent("deploy/k8s/statefulset.yaml"), encoding: .utf8)
        #expect(s.contains("livenessProbe:") && s.contains("path: /health") && s.contains("initialDelaySeconds: 10") && s.contains("periodSeconds: 30"))
        #expect(s.contains("readinessProbe:") && s.contains("path: /ready") && s.contains("initialDelaySeconds: 5") && s.contains("periodSeconds: 10"))
    }
}
