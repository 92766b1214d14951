/// Okapi BM25 parameters (docs/hybrid-retrieval.md, "Scores"). The scoring is exactly that of
/// `rank_bm25.BM25Okapi` (PyPI) on the same tokens:
///
///     idf(t)   = ln(N − df + 0.5) − ln(df + 0.5), and when negative ε · mean idf over the vocabulary
///     score(d) = Σ_{t in query, repeats counted} idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|d|/avgdl))
///
/// with N the documents, df the documents holding t, |d| the tokens of d, avgdl the mean.
public struct BM25Parameters: Sendable, Equatable {
    public var k1: Double
    public var b: Double
    /// ε of rank_bm25: the floor for terms in more than half of the documents.
    public var epsilon: Double

    public init(k1: Double = 1.2, b: Double = 0.75, epsilon: Double = 0.25) {
        self.k1 = k1; self.b = b; self.epsilon = epsilon
    }

    /// nil when valid, otherwise why not.
    public var problem: String? {
        if !(k1.isFinite && k1 >= 0 && k1 <= 10) { return "bm25 k1 must be in [0, 10], got \(k1)" }
        if !(b.isFinite && b >= 0 && b <= 1) { return "bm25 b must be in [0, 1], got \(b)" }
        if !(epsilon.isFinite && epsilon >= 0 && epsilon <= 1) { return "bm25 epsilon must be in [0, 1], got \(epsilon)" }
        return nil
    }
}
