import AegisVector

/// Parameters of an HNSW index. Every field is validated by `validate()`.
///
/// | field | default | range | meaning |
/// |---|---|---|---|
/// | `dimension` | — | 1...65536 | vector length |
/// | `metric` | `.cosine` | cosine, ip, l2 | cosine normalises on insert; distance = 1 − cos |
/// | `m` | 16 | 2...256 | links per node on levels ≥ 1; level 0 keeps `2·m` |
/// | `efConstruction` | 64 | m...4096 | beam width while inserting (pgvector's setting in the original system) |
/// | `efSearch` | 100 | 1...65536 | default beam width of `search` (overridable per query) |
/// | `seed` | 100 | any | seed of the level generator: same inserts in the same order → same graph |
/// | `exactScanSelectivity` | 0.02 | 0...1 | filtered queries whose estimated share of matching items is below this scan the matching set exactly |
public struct HNSWConfiguration: Sendable, Hashable {
    public var dimension: Int
    public var metric: VectorMetric
    public var m: Int
    public var efConstruction: Int
    public var efSearch: Int
    public var seed: UInt64
    public var exactScanSelectivity: Double

    public static let defaultM = 16
    public static let defaultEfConstruction = 64
    public static let defaultEfSearch = 100
    public static let defaultSeed: UInt64 = 100
    /// Highest level a node can get (levels are stored in one byte; 16 covers 16^16 items).
    public static let maxLevel = 16

    public init(
        dimension: Int, metric: VectorMetric = .cosine, m: Int = defaultM,
        efConstruction: Int = defaultEfConstruction, efSearch: Int = defaultEfSearch,
        seed: UInt64 = defaultSeed, exactScanSelectivity: Double = 0.02
    ) {
        self.dimension = dimension
        self.metric = metric
        self.m = m
        self.efConstruction = efConstruction
        self.efSearch = efSearch
        self.seed = seed
        self.exactScanSelectivity = exactScanSelectivity
    }

    /// Links kept per node on level 0.
    public var m0: Int { 2 * m }

    public func validate() throws(HNSWError) {
        guard (1...VectorArena.maxDimension).contains(dimension) else {
            throw HNSWError(.invalidArgument, "dimension \(dimension) outside 1...\(VectorArena.maxDimension)")
        }
        guard (2...256).contains(m) else { throw HNSWError(.invalidArgument, "m \(m) outside 2...256") }
        guard (m...4096).contains(efConstruction) else {
            throw HNSWError(.invalidArgument, "ef_construction \(efConstruction) outside \(m)...4096 (must be ≥ m)")
        }
        guard (1...65_536).contains(efSearch) else {
            throw HNSWError(.invalidArgument, "ef_search \(efSearch) outside 1...65536")
        }
        guard exactScanSelectivity >= 0, exactScanSelectivity <= 1 else {
            throw HNSWError(.invalidArgument, "exact_scan_selectivity \(exactScanSelectivity) outside 0...1")
        }
    }
}
