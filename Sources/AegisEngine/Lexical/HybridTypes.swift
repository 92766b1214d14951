import Foundation
import AegisCore

/// How a query finds candidates (docs/hybrid-retrieval.md): the vectors only (1.2), BM25 only,
/// or both fused with reciprocal-rank fusion.
public enum Retrieval: String, Sendable, CaseIterable {
    case dense, hybrid, lexical
}

/// Body of `POST /memories/hybrid_query` (Aegis 2.4's request; docs/api.md).
public struct HybridQueryRequest: Sendable, Equatable {
    public var query: String
    public var userId: String?
    public var agentId: String?
    public var namespace: String
    public var topK: Int
    public var candidatePool: Int
    public var applyDecay: Bool
    /// Adds each hit's ranks and channel scores (`explain`); not part of Aegis 2.4.
    public var explain: Bool
    public init(query: String, userId: String? = nil, agentId: String? = nil, namespace: String = "default",
                topK: Int = 10, candidatePool: Int = 40, applyDecay: Bool = false, explain: Bool = false) {
        self.query = query; self.userId = userId; self.agentId = agentId; self.namespace = namespace
        self.topK = topK; self.candidatePool = candidatePool; self.applyDecay = applyDecay; self.explain = explain
    }
}

/// How one fused hit ranked in each channel (ranks are 1-based; nil = not in that pool).
public struct HybridExplanation: Sendable, Equatable {
    public var denseRank: Int?
    public var denseScore: Double?
    public var lexicalRank: Int?
    public var bm25Score: Double?
    /// The RRF score before decay.
    public var fusedScore: Double
    /// The decay factor applied (nil when `apply_decay` is off).
    public var decayFactor: Double?
}

/// One result of `hybrid_query`.
public struct HybridHit: Sendable, Equatable {
    public var id: String
    public var content: String
    public var score: Double
    public var memoryType: String
    public var scope: String
    public var effectiveness: Double
    public var agentId: String?
    public var explain: HybridExplanation?
}

public struct HybridQueryResponse: Sendable, Equatable {
    public var results: [HybridHit]
    /// `meta.mode` (always "hybrid" here), `meta.candidate_pool` (the pool used per channel),
    /// `meta.decay_applied`.
    public var mode: String
    public var candidatePool: Int
    public var decayApplied: Bool
    public var queryTimeMs: Double
}

/// The recency/effectiveness factor of `apply_decay` (docs/hybrid-retrieval.md, "Decay"):
/// `0.5^(age_days / half_life(type)) × (1 + 0.5 × effectiveness)`.
public struct DecayParameters: Sendable, Equatable {
    /// Half-life in days per memory type; `defaultHalfLifeDays` for the others.
    public var halfLifeDays: [String: Double]
    public var defaultHalfLifeDays: Double

    public init(halfLifeDays: [String: Double] = ["standard": 30, "reflection": 180, "progress": 7, "feature": 30],
                defaultHalfLifeDays: Double = 30) {
        self.halfLifeDays = halfLifeDays; self.defaultHalfLifeDays = defaultHalfLifeDays
    }

    public func factor(type: String, ageSeconds: Double, effectiveness: Double) -> Double {
        let half = halfLifeDays[type] ?? defaultHalfLifeDays
        let age = max(0, ageSeconds) / 86_400
        return pow2(-age / half) * (1 + 0.5 * effectiveness)
    }

    private func pow2(_ x: Double) -> Double { exp2(x) }

    /// Parses `type=days,type=days` (`AEGIS_DECAY_HALF_LIFE_DAYS`); `*=days` sets the default.
    public static func parse(_ text: String) -> DecayParameters? {
        var p = DecayParameters()
        for item in text.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, !kv[0].isEmpty, let d = Double(kv[1]), d.isFinite, d > 0 else { return nil }
            if kv[0] == "*" { p.defaultHalfLifeDays = d } else { p.halfLifeDays[kv[0]] = d }
        }
        return p
    }

    public var problem: String? {
        if !(defaultHalfLifeDays.isFinite && defaultHalfLifeDays > 0) { return "decay half-life must be > 0 days" }
        for (t, d) in halfLifeDays where !(d.isFinite && d > 0) { return "decay half-life of \(t) must be > 0 days" }
        return nil
    }
}
