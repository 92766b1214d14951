import AegisHNSW
import AegisStorage

/// Bytes a running engine holds, by component: the `aegis_memory_bytes{component}` gauges and
/// `stats --json` "memory_bytes" (docs/operations.md, "Memory"). Shaped by component, not by
/// structure, so a component can be re-pointed when the structure behind it moves (e.g. when
/// the graphs read vectors through the store, `vectors_engine` goes to 0).
public struct MemoryUsage: Sendable, Equatable {
    /// The store's vectors: mapped from the snapshot / written since (StoreMemoryUsage).
    public var vectorsMapped = 0
    public var vectorsTail = 0
    /// Copies of the vectors held by the engine's vector spaces and graphs (0 since the engine
    /// reads the store's rows: docs/engine.md, "One copy of each vector").
    public var vectorsEngine = 0
    /// Int8 traversal codes of the graphs.
    public var codes = 0
    /// Graph links and per-node bookkeeping.
    public var graph = 0
    /// The store's row table (estimate).
    public var rows = 0
    /// Lookups: the store's id / content hash / agent / namespace indexes and the vector spaces'
    /// slot maps and filter attributes (estimate).
    public var indexes = 0
    /// Votes, sessions, features (estimate).
    public var other = 0
    public init() {}

    /// Component label → bytes, in a fixed order (the metric's `component` label values).
    public var components: [(name: String, bytes: Int)] {
        [("vectors_mapped", vectorsMapped), ("vectors_tail", vectorsTail), ("vectors_engine", vectorsEngine),
         ("codes", codes), ("graph", graph), ("rows", rows), ("indexes", indexes), ("other", other)]
    }
    public var total: Int { components.reduce(0) { $0 + $1.bytes } }

    /// Adds the store's components.
    public mutating func add(_ s: StoreMemoryUsage) {
        vectorsMapped += s.vectorsMapped; vectorsTail += s.vectorsTail
        rows += s.rows; indexes += s.indexes; other += s.other
    }
}

extension MemoryUsage {
    /// A saved graph as a server would hold it: the graph's links, a row pointer per space slot
    /// (the vectors are the store's), and int8 codes (the default traversal).
    static func loaded(graph g: HNSWIndex, spaceSlots: Int) -> MemoryUsage {
        let b = g.memoryBreakdown
        var u = MemoryUsage()
        u.vectorsEngine = b.vectors
        u.indexes = spaceSlots * MemoryLayout<UnsafePointer<Float>?>.stride
        u.codes = b.codes > 0 ? b.codes : g.traversalCodeBytes
        u.graph = b.links
        return u
    }

    /// `stats`: the open (read-only) store's components plus every saved graph as loaded.
    public static func estimate(store: Store, savedIndex: SavedIndexSummary) -> MemoryUsage {
        var u = MemoryUsage()
        u.add(store.memoryUsage())
        for p in savedIndex.projects {
            guard let m = p.memory else { continue }
            u.vectorsEngine += m.vectorsEngine; u.codes += m.codes; u.graph += m.graph
        }
        return u
    }
}

extension AegisEngine {
    /// What this engine holds now (the store through its backend, the vector spaces, the graphs).
    public func memoryUsage() -> MemoryUsage {
        var u = MemoryUsage()
        u.add(backend.memoryUsage())
        spaces.addMemoryUsage(to: &u)
        return u
    }
}

extension EngineBackend {
    /// Non-durable backends report nothing (their tables are test fixtures).
    public func memoryUsage() -> StoreMemoryUsage { StoreMemoryUsage() }
}
