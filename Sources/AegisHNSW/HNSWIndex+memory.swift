/// Bytes held by one index, by kind (docs/operations.md, "Memory").
public struct HNSWMemoryBreakdown: Sendable, Equatable {
    /// The float32 vectors the index holds itself (its `VectorArena`, capacity; 0 with
    /// external vectors: those rows are the caller's).
    public var vectors: Int = 0
    /// Int8 traversal codes with their per-row scale and norm (0 when codes are off).
    public var codes: Int = 0
    /// Level-0 and upper-level links, per-slot labels/levels/flags/row pointers, the label map,
    /// free slots.
    public var links: Int = 0
    public var total: Int { vectors + codes + links }
    public init() {}
}

extension HNSWIndex {
    /// What `memoryBytes` adds up, split by kind.
    public var memoryBreakdown: HNSWMemoryBreakdown { rw.withReadLock { memoryBreakdownUnlocked } }

    /// Bytes the int8 traversal codes take when on (whether they are on or not).
    public var traversalCodeBytes: Int { rw.withReadLock { capacity * (codeStride + 8) } }

    var memoryBreakdownUnlocked: HNSWMemoryBreakdown {
        var b = HNSWMemoryBreakdown()
        b.vectors = vectors?.allocatedBytes ?? 0
        var links = capacity * (stride0 * 4 + MemoryLayout<UInt64>.size + 2 + MemoryLayout<Int>.size * 2)
        for s in 0..<slotCount where levels[s] > 0 { links += Int(levels[s]) * strideUp * 4 + 16 }
        links += labelToSlot.capacity * (MemoryLayout<UInt64>.size + MemoryLayout<UInt32>.size) * 4 / 3
        links += freeSlots.capacity * 4
        b.links = links
        if codes != nil { b.codes = capacity * (codeStride + 8) }  // codes, scale and norm per slot
        return b
    }
}
