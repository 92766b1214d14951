import Foundation
import Testing
@testable import AegisHTTP

/// A short schema-aware + raw-byte fuzz round over every body route (reliability R16, scaled
/// down for `make test`; AEGIS_TORTURE=1 runs 25× more): no 5xx, no crash, server still healthy.
@Suite struct FuzzTests {
    struct Rng { var s: UInt64; mutating func next() -> UInt64 { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s } }

    static let seeds: [String: String] = [
        "/memories/add": #"{"content":"hello world","agent_id":"a","metadata":{"tags":["team"]},"ttl_seconds":60,"scope":"global","shared_with_agents":["b"]}"#,
        "/memories/add_batch": #"{"items":[{"content":"one"},{"content":"two","namespace":"n"}]}"#,
        "/memories/query": #"{"query":"hello","agent_id":"a","top_k":5,"min_score":0.1}"#,
        "/memories/query_cross_agent": #"{"query":"hello","requesting_agent_id":"a","target_agent_ids":["b"]}"#,
        "/memories/handoff": #"{"source_agent_id":"a","target_agent_id":"b","task_context":"hello","max_memories":3}"#,
        "/memories/export": #"{"format":"json","namespace":"default","limit":5,"include_embeddings":true}"#,
        "/memories/import": #"{"content":"imported","agent_id":"a","scope":"global","created_at":"2024-01-15T10:30:00Z"}"#,
        "/memories/ace/vote/0123456789abcdef0123456789abcdef": #"{"vote":"helpful","voter_agent_id":"a","context":"c","task_id":"t"}"#,
        "/memories/ace/delta": #"{"operations":[{"type":"add","content":"x","memory_type":"strategy"},{"type":"update","memory_id":"m","metadata_patch":{"k":1}}]}"#,
        "/memories/ace/reflection": #"{"content":"r","agent_id":"a","applicable_contexts":["x"],"error_pattern":"e"}"#,
        "/memories/ace/playbook": #"{"query":"q","agent_id":"a","include_types":["strategy"],"top_k":3,"min_effectiveness":0.5}"#,
        "/memories/ace/session": #"{"session_id":"s","agent_id":"a"}"#,
        "/memories/ace/feature": #"{"feature_id":"f","description":"d","test_steps":["a"]}"#,
    ]

    static let replacements = ["null", "true", "-1", "1e308", "\"\"", "[]", "{}", "\"\u{0}\"", "[[[[[[]]]]]]", "9223372036854775808",
                               "\"\\ud800\"", "0.5", "\"x\"", String(repeating: "[", count: 100)]

    static func mutate(_ seed: String, _ r: inout Rng) -> [UInt8] {
        var b = Array(seed.utf8)
        switch r.next() % 5 {
        case 0:  // truncate
            b = Array(b.prefix(Int(r.next() % UInt64(b.count))))
        case 1:  // flip bytes
            for _ in 0..<(1 + r.next() % 4) { b[Int(r.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: r.next()) }
        case 2:  // replace a value after a colon
            if let colons = Optional(b.indices.filter { b[$0] == UInt8(ascii: ":") }), !colons.isEmpty {
                let c = colons[Int(r.next() % UInt64(colons.count))]
                var end = c + 1
                var depth = 0
                while end < b.count {
                    let ch = b[end]
                    if ch == UInt8(ascii: "[") || ch == UInt8(ascii: "{") { depth += 1 }
                    if ch == UInt8(ascii: "]") || ch == UInt8(ascii: "}") { if depth == 0 { break }; depth -= 1 }
                    if ch == UInt8(ascii: ","), depth == 0 { break }
                    end += 1
                }
                let rep = replacements[Int(r.next() % UInt64(replacements.count))]
                b.replaceSubrange((c + 1)..<end, with: Array(rep.utf8))
            }
        case 3:  // random bytes
            b = (0..<(r.next() % 64)).map { _ in UInt8(truncatingIfNeeded: r.next()) }
        default:  // duplicate the body (concatenated objects)
            b = b + b
        }
        return b
    }

    @Test func mutatedBodiesNeverCauseServerErrors() async throws {
        let rounds = ProcessInfo.processInfo.environment["AEGIS_TORTURE"] == "1" ? 1000 : 40
        try await withServer { s in
            var r = Rng(s: 0xF00DF00D)
            for (path, seed) in Self.seeds.sorted(by: { $0.key < $1.key }) {
                for i in 0..<rounds {
                    let body = Self.mutate(seed, &r)
                    let reply = try await s.client.send("POST", path, headers: [("Authorization", "Bearer \(TestServer.devKey)")], body: body)
                    #expect(reply.status < 500, "\(path) round \(i): \(reply.status) \(reply.text.prefix(200)) for \(String(decoding: body, as: UTF8.self).prefix(200))")
                }
            }
            let h = try await s.client.request("GET", "/health")
            #expect(h.status == 200)
        }
    }
}
