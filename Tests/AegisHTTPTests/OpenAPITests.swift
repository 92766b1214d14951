import Foundation
import Testing
@testable import AegisHTTP

/// docs/openapi.yaml lists exactly the router's routes, with `security: []` on the open ones.
@Suite struct OpenAPITests {
    @Test func openAPIMatchesTheRouter() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var documented: [String: Bool] = [:]  // "METHOD path" → open
        var inPaths = false
        var path = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let colon = line.firstIndex(of: ":") {
                let method = line[line.index(line.startIndex, offsetBy: 4)..<colon].uppercased()
                documented["\(method) \(path)"] = line.contains("security: []")
            }
        }
        try await withServer { s in
            let routes = s.server.routes.routes
            var seen = Set<String>()
            for r in routes {
                let name = "\(r.method.rawValue) \(r.template)"
                seen.insert(name)
                guard let open = documented[name] else { Issue.record("\(name) is missing from docs/openapi.yaml"); continue }
                #expect(open == (r.auth == .open), "\(name): openapi security does not match the route's auth")
            }
            for name in documented.keys where !seen.contains(name) { Issue.record("docs/openapi.yaml lists \(name), which the router lacks") }
            #expect(documented.count == routes.count)
        }
    }
}
