/// Bytes an index holds, by component (`HNSWIndex.memoryUsage`; docs/operations.md, memory).
public struct HNSWMemoryUsage: Sendable, Equatable {
    /// Owned vector rows (0 for an index with external vectors: those bytes are the caller's).
    public var vectors = 0
    /// Int8 traversal codes with their per-row scale and norm.
    public var codes = 0
    /// Links, per-slot arrays (labels, levels, flags, vector pointers), upper levels, label map.
    public var graph = 0
    public var total: Int { vectors + codes + graph }
    public init() {}
}
