import AegisVector

/// A filter for `HNSWIndex.search`: a cheap predicate on labels (the engine's project /
/// namespace / scope / agent / expiry rules), plus optional hints that pick the strategy.
public struct HNSWFilter: @unchecked Sendable {
    /// Returns true when the item with this label may be returned. Called from the search
    /// thread, possibly once per stored item; it must be cheap and must not call the index.
    public var predicate: (UInt64) -> Bool
    /// The caller's estimate of how many live items match (nil: the index samples).
    public var estimatedMatches: Int?
    /// The complete set of matching labels, when the caller has it (e.g. from a secondary
    /// index). Small lists are scanned exactly; the predicate is still applied.
    public var candidates: [UInt64]?

    public init(estimatedMatches: Int? = nil, candidates: [UInt64]? = nil, _ predicate: @escaping (UInt64) -> Bool) {
        self.predicate = predicate
        self.estimatedMatches = estimatedMatches
        self.candidates = candidates
    }
}

/// How a search was answered (for EXPLAIN).
public enum HNSWSearchMode: String, Sendable {
    /// Graph search (beam `ef`).
    case index
    /// Exact scan of the matching items (selective filter, or a candidate list).
    case exact
    /// Graph search found fewer than k matches, the exact scan answered instead.
    case exactFallback = "exact_fallback"
}

/// Counters of one search.
public struct HNSWSearchStats: Sendable, Equatable {
    public var mode: HNSWSearchMode = .index
    /// Beam width used by the graph search (0 for pure exact scans).
    public var ef = 0
    /// Graph nodes expanded (graph search) or items examined (exact scan).
    public var nodesVisited = 0
    /// Distance computations.
    public var distanceComputations = 0
    /// Estimated matching share used to choose the strategy (1 without filter).
    public var estimatedSelectivity = 1.0
    public init() {}
}

/// One search hit: the caller's label and the distance (1 − cosine for cosine indexes).
public struct HNSWHit: Sendable, Hashable {
    public var label: UInt64
    public var distance: Float
    public init(label: UInt64, distance: Float) {
        self.label = label
        self.distance = distance
    }
    /// Cosine similarity for cosine / inner-product indexes.
    public var similarity: Float { 1 - distance }
}

public struct HNSWSearchResult: Sendable {
    public var hits: [HNSWHit]
    public var stats: HNSWSearchStats
}
