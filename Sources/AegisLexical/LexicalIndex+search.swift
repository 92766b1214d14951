import Foundation

/// One lexical hit: the memory id and its BM25 score.
public struct LexicalHit: Sendable, Equatable {
    public var id: String
    public var score: Double
    public init(id: String, score: Double) { self.id = id; self.score = score }
}

extension LexicalIndex {
    /// BM25 idf of a term held by `df` of the live documents, rank_bm25's way (see
    /// `BM25Parameters`): a negative idf becomes ε × the mean idf of the vocabulary.
    func idf(df d: Int, meanIdf: () -> Double) -> Double {
        let n = Double(documentCount), x = Double(d)
        let raw = log(n - x + 0.5) - log(x + 0.5)
        return raw < 0 ? parameters.epsilon * meanIdf() : raw
    }

    /// True when one of `queryTokens` is held by more than half of the documents, so its idf
    /// is ε × `meanIdf()` (O(vocabulary): callers may cache it per `version`).
    public func needsMeanIdf(_ queryTokens: [String]) -> Bool {
        queryTokens.contains { t in
            guard let tid = termIds[t] else { return false }
            let x = Double(df[Int(tid)])
            return x > 0 && log(Double(documentCount) - x + 0.5) - log(x + 0.5) < 0
        }
    }

    /// Mean raw idf over the terms live documents hold. Pure (no cache): safe under a read lock.
    public func meanIdf() -> Double {
        let n = Double(documentCount)
        var sum = 0.0, count = 0
        for d in df where d > 0 {
            let x = Double(d)
            sum += log(n - x + 0.5) - log(x + 0.5)
            count += 1
        }
        return count == 0 ? 0 : sum / Double(count)
    }

    /// BM25 scores of every live document holding at least one of `queryTokens` (a repeated
    /// query token counts again, as in rank_bm25). Documents `admit` rejects are skipped.
    /// Returns the best `limit`, score descending, ties by id ascending.
    /// Does not mutate the index (concurrent searches are safe); `meanIdf`, when given, is
    /// `meanIdf()` of this version (a caller's cache), otherwise computed when needed.
    public func search(queryTokens: [String], limit: Int, meanIdf known: Double? = nil,
                       admit: (String) -> Bool = { _ in true }) -> [LexicalHit] {
        guard limit > 0, documentCount > 0 else { return [] }
        var mean = known
        var weights: [(term: Int, idf: Double)] = []
        for t in queryTokens {
            guard let tid = termIds[t], df[Int(tid)] > 0 else { continue }
            weights.append((Int(tid), idf(df: Int(df[Int(tid)])) {
                if let m = mean { return m }
                let m = meanIdf(); mean = m; return m
            }))
        }
        guard !weights.isEmpty else { return [] }
        let k1 = parameters.k1, b = parameters.b
        let avgdl = Double(totalLength) / Double(documentCount)
        var acc = [Double](repeating: 0, count: docIds.count)
        var touched = [Bool](repeating: false, count: docIds.count)
        var touchedList: [Int] = []
        for (tid, w) in weights {
            let docs = postingDocs[tid], tfs = postingTFs[tid]
            for i in 0..<docs.count {
                let d = Int(docs[i])
                guard docIds[d] != nil else { continue }
                let tf = Double(tfs[i])
                let len = Double(docLengths[d])
                // avgdl is 0 only when every document is empty — then no posting exists.
                acc[d] += w * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * len / avgdl)))
                if !touched[d] { touched[d] = true; touchedList.append(d) }
            }
        }
        var best: [LexicalHit] = []
        best.reserveCapacity(min(limit, touchedList.count) + 1)
        for d in touchedList {
            guard let id = docIds[d] else { continue }
            let hit = LexicalHit(id: id, score: acc[d])
            if best.count == limit, let last = best.last, !Self.ranksBefore(hit, last) { continue }
            guard admit(id) else { continue }
            var lo = 0, hi = best.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if Self.ranksBefore(best[mid], hit) { lo = mid + 1 } else { hi = mid }
            }
            best.insert(hit, at: lo)
            if best.count > limit { best.removeLast() }
        }
        return best
    }

    /// The BM25 score of every live document for `queryTokens` (0 when it holds none) —
    /// the reference comparison's view.
    public func allScores(queryTokens: [String]) -> [String: Double] {
        var out: [String: Double] = [:]
        for id in docOf.keys { out[id] = 0 }
        for h in search(queryTokens: queryTokens, limit: Int.max / 2) { out[h.id] = h.score }
        return out
    }

    static func ranksBefore(_ a: LexicalHit, _ b: LexicalHit) -> Bool {
        a.score != b.score ? a.score > b.score : a.id < b.id
    }
}
