import Foundation
import Testing
@testable import AegisHTTP

/// docs/openapi.yaml lists exactly the router's routes, with `security: []` on the open ones.
@Suite struct OpenAPITests {
    @Test func openAPIMatchesTheRouter() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        var documented: [String: Bool] = [:]  // "METHOD path" → open (`security: []` in the operation)
        var inPaths = false
        var path = ""
        var operation: String? = nil
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            guard inPaths else { continue }
            if let first = line.first, first != " ", first != "#" { break }  // the next top-level key
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast()); operation = nil
            } else if line.hasPrefix("    "), !line.hasPrefix("     "), let colon = line.firstIndex(of: ":") {
                let method = String(line[line.index(line.startIndex, offsetBy: 4)..<colon])
                // Path-level keys (`parameters:`) are not operations.
                operation = ["get", "put", "post", "patch", "delete"].contains(method) ? "\(method.uppercased()) \(path)" : nil
                if let operation { documented[operation] = false }
            } else if let operation, line.hasPrefix("      security: []") {
                documented[operation] = true
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
