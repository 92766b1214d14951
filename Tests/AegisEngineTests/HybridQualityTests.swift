import Foundation
import Testing
import AegisCore
@testable import AegisEngine

/// The quality evidence of docs/hybrid-retrieval.md: a corpus the test builds itself — incident
/// notes in families that differ only by an identifier, plus ordinary sentences — queried by
/// identifier (hit@1, dense vs hybrid, printed) and in natural language (the dense top-1 stays in
/// the hybrid top-10). Embedder: the deterministic hashing embedder (64 dimensions).
@Suite struct HybridQualityTests {
    static let words = ["deploy", "policy", "retry", "cache", "index", "graph", "token", "agent", "memory", "vector",
                        "customer", "invoice", "refund", "latency", "budget", "queue", "worker", "schema", "backup", "restore",
                        "rollout", "canary", "alert", "pager", "runbook", "quota", "region", "replica", "shard", "lease"]

    @Test func identifierQueriesHitWithHybridAndNaturalQueriesKeepTheDenseTop1() async throws {
        let e = try await makeEngine()
        var rng = SplitMix(seed: 1313)
        func pick<T>(_ a: [T]) -> T { a[Int(rng.next() % UInt64(a.count))] }
        // 30 families × 5 notes that differ only by the identifier (digit permutations, swapped hosts).
        let templates = [
            ("Checkout failed with ERR_PAYMENT_%@ after the card was declined", "ERR_PAYMENT_%@"),
            ("Ticket INC-%@ is about the login page timing out for EU users", "INC-%@"),
            ("Primary database db-auth-%@.internal ran out of connections at peak", "db-auth-%@.internal"),
            ("Release v2.%@ broke fetch_orders_v2() for mobile clients", "v2.%@"),
            ("PR #%@ reverts the cache eviction change in the search service", "PR #%@"),
        ]
        var identifiers: [(query: String, id: String)] = []
        for f in 0..<30 {
            let (text, ident) = templates[f % templates.count]
            let base = Array(String(1000 + Int(rng.next() % 9000)))
            var seen = Set<String>()
            for k in 0..<5 {
                var digits = base
                if k > 0 { digits.swapAt(k % 4, (k + 1) % 4) }
                if k == 4 { digits.reverse() }
                let code = String(digits)
                guard seen.insert(code).inserted else { continue }
                let content = text.replacingOccurrences(of: "%@", with: code)
                let id = try await e.addText(content, scope: .global)
                identifiers.append((ident.replacingOccurrences(of: "%@", with: code), id))
            }
        }
        for _ in 0..<200 {
            let s = (0..<8).map { _ in pick(Self.words) }.joined(separator: " ")
            try await e.addText("The team noted that \(s)", scope: .global)
        }
        var denseHits = 0, hybridHits = 0
        for (q, id) in identifiers {
            let d = try await e.query(project: P, QueryRequest(query: q, topK: 1, retrieval: .dense))
            let h = try await e.query(project: P, QueryRequest(query: q, topK: 1, retrieval: .hybrid))
            if d.memories.first?.id == id { denseHits += 1 }
            if h.memories.first?.id == id { hybridHits += 1 }
        }
        var kept = 0
        let natural = 100
        for _ in 0..<natural {
            let q = (0..<4).map { _ in pick(Self.words) }.joined(separator: " ")
            let d = try await e.query(project: P, QueryRequest(query: q, topK: 1, retrieval: .dense))
            let h = try await e.query(project: P, QueryRequest(query: q, topK: 10, retrieval: .hybrid))
            if let top = d.memories.first?.id, h.memories.contains(where: { $0.id == top }) { kept += 1 }
        }
        let n = Double(identifiers.count)
        print("hybrid quality: identifier queries \(identifiers.count): hit@1 dense \(Double(denseHits) / n), hybrid \(Double(hybridHits) / n); natural-language queries \(natural): dense top-1 in hybrid top-10 \(Double(kept) / Double(natural))")
        #expect(Double(hybridHits) / n >= 0.95)
        #expect(Double(kept) / Double(natural) >= 0.9)
    }
}
