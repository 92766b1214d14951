/// Size of a lexical index (`stats`, `/health`'s caller, benchmarks).
public struct LexicalStatistics: Sendable, Equatable {
    public var documents = 0
    /// Terms some live document holds.
    public var terms = 0
    /// Live postings (document, term) and dead ones awaiting `compact()`.
    public var postings = 0
    public var deadPostings = 0
    /// Approximate bytes held (arrays' payload + strings; excludes allocator overhead).
    public var bytes = 0
    public init() {}

    public static func + (a: Self, b: Self) -> Self {
        var s = a
        s.documents += b.documents; s.terms += b.terms; s.postings += b.postings
        s.deadPostings += b.deadPostings; s.bytes += b.bytes
        return s
    }
}

extension LexicalIndex {
    public var statistics: LexicalStatistics {
        var s = LexicalStatistics()
        s.documents = documentCount
        s.terms = liveTerms
        s.postings = livePostings
        s.deadPostings = deadPostings
        var bytes = 0
        for t in terms { bytes += t.utf8.count + 16 }          // term strings (+ header)
        bytes += terms.count * (4 + 16)                          // df + term map entry
        for i in 0..<postingDocs.count { bytes += postingDocs[i].count * 4 + postingTFs[i].count * 2 + 64 }
        for (i, id) in docIds.enumerated() {
            bytes += 4 + 16 + docTerms[i].count + 32             // length, id slot, term list
            if let id { bytes += id.utf8.count + 16 }           // id string + map entry
        }
        s.bytes = bytes
        return s
    }
}
