import AegisCore
import AegisHNSW

/// HNSW build parameters of a project graph (the guide's `WITH (m = 16, ef_construction = 64)`).
public struct IndexParameters: Sendable, Equatable, CustomStringConvertible {
    public var m: Int
    public var efConstruction: Int
    public init(m: Int, efConstruction: Int) { self.m = m; self.efConstruction = efConstruction }

    /// Throws `EngineError(.badRequest)` when outside m 2…256, ef_construction m…4096.
    @discardableResult
    public static func checked(m: Int, efConstruction: Int) throws -> IndexParameters {
        guard (2...256).contains(m) else { throw EngineError(.badRequest, "m must be in 2...256 (got \(m))") }
        guard (m...4096).contains(efConstruction) else {
            throw EngineError(.badRequest, "ef_construction must be in \(m)...4096 (got \(efConstruction))")
        }
        return IndexParameters(m: m, efConstruction: efConstruction)
    }

    public var description: String { "m=\(m) ef_construction=\(efConstruction)" }
}

/// One project's vector index as it is now.
public struct ProjectIndexStatus: Sendable, Equatable {
    public var project: String
    /// Memories in the project's vector space.
    public var memories: Int
    /// Graph nodes (live) and tombstones (deleted, not yet compacted out); nil without a graph.
    public var graphNodes: Int?
    public var graphTombstones: Int?
    /// The graph's own build parameters (nil without a graph).
    public var parameters: IndexParameters?
}

/// What `AegisEngine.rebuildIndex` did.
public struct IndexRebuildReport: Sendable {
    public var parameters: IndexParameters
    public var projects: [ProjectIndexStatus]
    public var memories: Int
    public var seconds: Double
}

/// Progress of a long engine maintenance job (`rebuildIndex`, `reembed`).
public struct MaintenanceProgress: Sendable {
    public var phase: String
    public var done: Int
    public var total: Int
}

/// Stands in for the embedder in offline maintenance (compact, rebuild-index): it carries the
/// store's recorded model name and dimension so the engine opens, and refuses to embed.
public struct RecordedModelEmbedder: Embedder {
    public let modelName: String
    public let dimension: Int
    public init(modelName: String, dimension: Int) { self.modelName = modelName; self.dimension = dimension }
    public func embed(_ texts: [String]) async throws -> [[Float]] {
        throw EmbeddingError(.unavailable, "offline maintenance: no embedder is loaded (\(modelName))")
    }
    public var health: EmbedderHealth { EmbedderHealth(.unavailable, reason: "offline maintenance") }
}
