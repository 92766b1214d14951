import Foundation
import Testing
@testable import AegisLexical

@Suite struct LexicalIndexTests {
    /// A straight transcription of rank_bm25's BM25Okapi (the pytest checks the real one).
    func reference(_ corpus: [[String]], _ query: [String], k1: Double = 1.2, b: Double = 0.75, eps: Double = 0.25) -> [Double] {
        let n = Double(corpus.count)
        let avgdl = Double(corpus.reduce(0) { $0 + $1.count }) / n
        var dfs: [String: Int] = [:]
        for d in corpus { for t in Set(d) { dfs[t, default: 0] += 1 } }
        var idf: [String: Double] = [:]
        var sum = 0.0
        var negatives: [String] = []
        for (t, f) in dfs {
            let v = log(n - Double(f) + 0.5) - log(Double(f) + 0.5)
            idf[t] = v; sum += v
            if v < 0 { negatives.append(t) }
        }
        for t in negatives { idf[t] = eps * sum / Double(idf.count) }
        return corpus.map { d in
            var s = 0.0
            for q in query {
                let tf: Double = Double(d.filter { $0 == q }.count)
                let len: Double = Double(d.count)
                let norm: Double = tf + k1 * (1 - b + b * len / avgdl)
                let w: Double = idf[q] ?? 0
                s += w * (tf * (k1 + 1) / norm)
            }
            return s
        }
    }

    let texts = ["the payment failed with ERR_PAYMENT_4471 on db-auth-17.internal",
                 "the payment failed with ERR_PAYMENT_4417 on db-auth-12.internal",
                 "the user prefers dark mode",
                 "the deploy of 1.2.3 broke fetch_orders_v2()",
                 "the the the",
                 ""]

    @Test func scoresEqualTheReference() {
        let idx = LexicalIndex()
        for (i, s) in texts.enumerated() { idx.upsert(id: "m\(i)", text: s) }
        let corpus = texts.map(LexicalTokenizer.tokens)
        for q in ["ERR_PAYMENT_4471", "payment the", "the", "dark mode dark", "nothing matches", "1.2.3 orders"] {
            let qt = LexicalTokenizer.tokens(q)
            let ref = reference(corpus, qt)
            let got = idx.allScores(queryTokens: qt)
            for i in 0..<texts.count { #expect(abs(got["m\(i)"]! - ref[i]) < 1e-9, "\(q) doc \(i)") }
        }
    }

    @Test func exactIdentifierRanksFirst() {
        let idx = LexicalIndex()
        for (i, s) in texts.enumerated() { idx.upsert(id: "m\(i)", text: s) }
        let hits = idx.search(queryTokens: LexicalTokenizer.tokens("ERR_PAYMENT_4471"), limit: 3)
        #expect(hits.first?.id == "m0")
        #expect(hits.count == 2)   // m1 shares `err` and `payment`
    }

    @Test func removalAndReplacementMatchAFreshIndex() {
        let a = LexicalIndex(), fresh = LexicalIndex()
        for (i, s) in texts.enumerated() { a.upsert(id: "m\(i)", text: s) }
        a.remove(id: "m2")
        a.upsert(id: "m0", text: "a new text about payment retries")
        a.remove(id: "absent")
        for (i, s) in texts.enumerated() where i != 2 && i != 0 { fresh.upsert(id: "m\(i)", text: s) }
        fresh.upsert(id: "m0", text: "a new text about payment retries")
        #expect(a.documentCount == fresh.documentCount)
        #expect(a.statistics.terms == fresh.statistics.terms)
        #expect(a.statistics.postings == fresh.statistics.postings)
        for q in ["payment", "dark", "the payment", "err_payment_4471"] {
            let qt = LexicalTokenizer.tokens(q)
            let x = a.allScores(queryTokens: qt), y = fresh.allScores(queryTokens: qt)
            #expect(Set(x.keys) == Set(y.keys))
            for (k, v) in x { #expect(abs(v - y[k]!) < 1e-12, "\(q) \(k)") }
        }
        #expect(a.search(queryTokens: ["dark"], limit: 5).isEmpty)
        a.compact()
        #expect(a.statistics.deadPostings == 0)
        for q in ["payment", "the payment"] {
            let qt = LexicalTokenizer.tokens(q)
            let x = a.allScores(queryTokens: qt), y = fresh.allScores(queryTokens: qt)
            for (k, v) in x { #expect(abs(v - y[k]!) < 1e-12) }
        }
    }

    @Test func admitFiltersBeforeTheLimit() {
        let idx = LexicalIndex()
        for i in 0..<50 { idx.upsert(id: String(format: "m%02d", i), text: "incident INC-\(i) payment") }
        // Only odd ids are visible: the limit is filled with visible ones, never short.
        let hits = idx.search(queryTokens: ["payment"], limit: 10) { id in Int(id.dropFirst())! % 2 == 1 }
        #expect(hits.count == 10)
        #expect(hits.allSatisfy { Int($0.id.dropFirst())! % 2 == 1 })
        // Equal scores: ties by id ascending.
        #expect(hits.map(\.id) == (0..<10).map { String(format: "m%02d", 2 * $0 + 1) })
    }

    @Test func termListsRoundTrip() {
        let xs: [UInt32] = [0, 1, 127, 128, 300, 70_000, 4_000_000_000]
        #expect(LexicalIndex.decodeTerms(LexicalIndex.encodeTerms(xs)) == xs)
    }
}
