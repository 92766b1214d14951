import AegisCore
import AegisStorage

extension VectorSpaces {
    /// Adds the vector spaces' and graphs' bytes (MemoryUsage components) under the read lock.
    func addMemoryUsage(to u: inout MemoryUsage) {
        lock.withReadLock {
            for s in storage.value.values {
                // The spaces hold a pointer per slot, not a vector (docs/engine.md, "One copy of each vector").
                u.indexes += s.rows.capacity * MemoryLayout<UnsafePointer<Float>?>.stride
                u.indexes += s.keys.capacity * MemoryLayout<SlotKey>.stride + s.ids.capacity * MemoryLayout<String?>.stride
                    + s.hashes.capacity * MemoryLayout<HashKey>.stride
                u.indexes += MemoryEstimate.dictionary(capacity: s.slotOf.capacity, entry: MemoryLayout<String>.stride + MemoryLayout<Int32>.stride)
                u.indexes += MemoryEstimate.dictionary(capacity: s.sharedWith.capacity, entry: 32)
                for (_, set) in s.byOwner { u.indexes += MemoryEstimate.dictionary(capacity: set.capacity, entry: 4) }
                if let g = (s.ann as? HNSWAdapter)?.index.memoryBreakdown {
                    u.vectorsEngine += g.vectors
                    u.codes += g.codes
                    u.graph += g.links
                }
            }
        }
    }

    /// Projects whose graph stopped being trusted (a failed insert) → why. Their searches are
    /// answered by exact scans until the graph is rebuilt (docs/operations.md, "Failed graphs").
    func failedIndexes() -> [String: String] {
        lock.withReadLock {
            var out: [String: String] = [:]
            for (name, s) in storage.value { if let f = s.ann?.failure { out[name] = f } }
            return out
        }
    }

    /// Every project's space: memories in it and whether its graph still serves searches (a space
    /// without a graph, or with a failed one, is answered by exact scans) — for `aegis_graph_*`.
    func graphHealth() -> [GraphHealth] {
        lock.withReadLock {
            storage.value.map { GraphHealth(project: $0.key, memories: $0.value.count, healthy: $0.value.ann?.failure == nil) }
                .sorted { $0.project < $1.project }
        }
    }
}

/// One project's vector graph, as `/metrics` reports it (`AegisEngine.graphHealth()`).
public struct GraphHealth: Sendable, Equatable {
    public var project: String
    public var memories: Int
    public var healthy: Bool
}
