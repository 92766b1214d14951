/// The inverted index of one project (docs/hybrid-retrieval.md, "Lexical index"): for every
/// term the documents holding it with their term frequency, plus each document's length.
/// Documents are numbered in insertion order; a removed document leaves a tombstone (its
/// postings are skipped and the statistics no longer count it) until `compact()` drops the
/// dead postings and renumbers. Not thread-safe: the owner serialises mutations against reads.
public final class LexicalIndex: @unchecked Sendable {
    public let parameters: BM25Parameters
    /// Term → term number.
    var termIds: [String: UInt32] = [:]
    var terms: [String] = []
    /// Per term number: live documents holding the term.
    var df: [Int32] = []
    /// Per term number: postings (document number, term frequency), ascending documents,
    /// possibly including dead documents.
    var postingDocs: [[UInt32]] = []
    var postingTFs: [[UInt16]] = []
    /// Per document number: memory id (nil = removed), token count, its distinct term numbers
    /// (delta + LEB128 varint encoded, ascending) — what a removal needs to fix `df`.
    var docIds: [String?] = []
    var docLengths: [UInt32] = []
    var docTerms: [[UInt8]] = []
    var docOf: [String: UInt32] = [:]
    /// Live documents, their total tokens, live terms (df > 0), postings of dead documents.
    public private(set) var documentCount = 0
    var totalLength = 0
    var liveTerms = 0
    var deadPostings = 0
    var livePostings = 0
    /// Bumped by every change (a cache key for the mean idf; see `meanIdf()`).
    public private(set) var version: UInt64 = 0

    public init(parameters: BM25Parameters = .init()) { self.parameters = parameters }

    public func contains(_ id: String) -> Bool { docOf[id] != nil }

    /// Ids of the live documents (order unspecified).
    public var documentIds: [String] { Array(docOf.keys) }

    /// Indexes `text` under `id`, replacing what `id` held.
    public func upsert(id: String, text: String) {
        upsert(id: id, tokens: LexicalTokenizer.tokens(text))
    }

    public func upsert(id: String, tokens: [String]) {
        remove(id: id)
        var counts: [UInt32: Int] = [:]
        for t in tokens {
            let tid: UInt32
            if let x = termIds[t] { tid = x } else {
                tid = UInt32(terms.count)
                termIds[t] = tid
                terms.append(t)
                df.append(0)
                postingDocs.append([])
                postingTFs.append([])
            }
            counts[tid, default: 0] += 1
        }
        let doc = UInt32(docIds.count)
        let sorted = counts.keys.sorted()
        for tid in sorted {
            postingDocs[Int(tid)].append(doc)
            postingTFs[Int(tid)].append(UInt16(clamping: counts[tid]!))
            if df[Int(tid)] == 0 { liveTerms += 1 }
            df[Int(tid)] += 1
        }
        docIds.append(id)
        docLengths.append(UInt32(tokens.count))
        docTerms.append(Self.encodeTerms(sorted))
        docOf[id] = doc
        documentCount += 1
        totalLength += tokens.count
        livePostings += sorted.count
        version &+= 1
    }

    /// Removes `id` (no-op when absent). Its postings stay as dead entries until `compact()`.
    public func remove(id: String) {
        guard let doc = docOf.removeValue(forKey: id) else { return }
        let termList = Self.decodeTerms(docTerms[Int(doc)])
        for tid in termList {
            df[Int(tid)] -= 1
            if df[Int(tid)] == 0 { liveTerms -= 1 }
        }
        docIds[Int(doc)] = nil
        docTerms[Int(doc)] = []
        documentCount -= 1
        totalLength -= Int(docLengths[Int(doc)])
        docLengths[Int(doc)] = 0
        deadPostings += termList.count
        livePostings -= termList.count
        version &+= 1
        if deadPostings > 4096 && deadPostings > livePostings / 2 { compact() }
    }

    /// Drops dead postings, terms no document holds and tombstones; renumbers documents.
    /// Scores are unchanged (they depend only on the live documents).
    public func compact() {
        var newNumber = [UInt32](repeating: UInt32.max, count: docIds.count)
        var ids: [String?] = [], lengths: [UInt32] = [], termLists: [[UInt32]] = []
        ids.reserveCapacity(documentCount); lengths.reserveCapacity(documentCount)
        for (doc, id) in docIds.enumerated() {
            guard let id else { continue }
            newNumber[doc] = UInt32(ids.count)
            ids.append(id)
            lengths.append(docLengths[doc])
            termLists.append(Self.decodeTerms(docTerms[doc]))
        }
        var termNumber = [UInt32](repeating: UInt32.max, count: terms.count)
        var newTerms: [String] = [], newDF: [Int32] = [], newDocs: [[UInt32]] = [], newTFs: [[UInt16]] = []
        for tid in 0..<terms.count where df[tid] > 0 {
            termNumber[tid] = UInt32(newTerms.count)
            newTerms.append(terms[tid])
            newDF.append(df[tid])
            var d: [UInt32] = [], f: [UInt16] = []
            d.reserveCapacity(Int(df[tid])); f.reserveCapacity(Int(df[tid]))
            for (i, doc) in postingDocs[tid].enumerated() where newNumber[Int(doc)] != UInt32.max {
                d.append(newNumber[Int(doc)]); f.append(postingTFs[tid][i])
            }
            newDocs.append(d); newTFs.append(f)
        }
        terms = newTerms; df = newDF; postingDocs = newDocs; postingTFs = newTFs
        termIds = [:]
        termIds.reserveCapacity(terms.count)
        for (i, t) in terms.enumerated() { termIds[t] = UInt32(i) }
        docIds = ids; docLengths = lengths
        docTerms = termLists.map { Self.encodeTerms($0.map { termNumber[Int($0)] }.sorted()) }
        docOf = [:]
        docOf.reserveCapacity(ids.count)
        for (i, id) in ids.enumerated() { docOf[id!] = UInt32(i) }
        deadPostings = 0
        liveTerms = terms.count
        version &+= 1
    }

    // MARK: term lists

    static func encodeTerms(_ sorted: [UInt32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(sorted.count * 2)
        var prev: UInt32 = 0
        for t in sorted {
            var d = t &- prev
            prev = t
            while d >= 0x80 { out.append(UInt8(d & 0x7F) | 0x80); d >>= 7 }
            out.append(UInt8(d))
        }
        return out
    }

    static func decodeTerms(_ bytes: [UInt8]) -> [UInt32] {
        var out: [UInt32] = []
        var prev: UInt32 = 0, value: UInt32 = 0, shift: UInt32 = 0
        for b in bytes {
            value |= UInt32(b & 0x7F) << shift
            if b & 0x80 != 0 { shift += 7; continue }
            prev &+= value
            out.append(prev)
            value = 0; shift = 0
        }
        return out
    }
}
