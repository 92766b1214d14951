import AegisCore

/// Bytes the open store holds in memory, by component (docs/operations.md, "Memory"). Vectors
/// are exact (arena sizes); rows and lookups are estimates from the tables' capacities and a
/// sample of rows (Swift gives no exact heap size of a value).
public struct StoreMemoryUsage: Sendable, Equatable {
    /// Vectors read from the snapshot's vector section (memory-mapped: page cache, not anonymous memory).
    public var vectorsMapped = 0
    /// Vectors written since that snapshot (64-byte aligned chunks of 8,192 vectors).
    public var vectorsTail = 0
    /// The row table and what the rows point to (ids, content, metadata, agent lists).
    public var rows = 0
    /// Per-project lookups: by id, content hash, agent, namespace.
    public var indexes = 0
    /// Votes, sessions, features.
    public var other = 0
    public init() {}
}

extension Store {
    /// The current usage, computed under the read lock (cost: one pass over the projects and a
    /// sample of at most `rowSample` rows, not the whole table).
    public func memoryUsage(rowSample: Int = 4096) -> StoreMemoryUsage {
        lock.withReadLock { state.memoryUsage(rowSample: max(1, rowSample)) }
    }
}

extension StoreState {
    func memoryUsage(rowSample: Int) -> StoreMemoryUsage {
        var u = StoreMemoryUsage()
        if let v = vectors {
            let bytes = v.dimension * 4
            u.vectorsMapped = v.baseCount * bytes
            u.vectorsTail = v.chunks.count * VectorArena.chunkVectors * bytes
        }
        // Rows: the packed entries plus the arena that holds their encodings (docs/engine.md, "Compact rows").
        u.rows = rows.capacity * MemoryLayout<PackedRows.Entry>.stride + rows.arenaBytes
        for p in projects.values {
            u.indexes += MemoryEstimate.dictionary(capacity: p.memoryById.capacity, entry: MemoryLayout<IdKey>.stride + MemoryLayout<Int32>.stride)
            u.indexes += MemoryEstimate.dictionary(capacity: p.byHash.capacity, entry: MemoryLayout<HashKey>.stride + MemoryLayout<SlotList>.stride)
            for (agent, set) in p.byAgent { u.indexes += set.rows.capacity * 4 + 32 + (agent.map(MemoryEstimate.string) ?? 0) }
            u.indexes += MemoryEstimate.dictionary(capacity: p.byAgent.capacity, entry: MemoryLayout<String?>.stride + MemoryLayout<RowSet>.stride)
            for (ns, set) in p.byNamespace { u.indexes += set.rows.capacity * 4 + 32 + MemoryEstimate.string(ns) }
            u.indexes += MemoryEstimate.dictionary(capacity: p.byNamespace.capacity, entry: MemoryLayout<String>.stride + MemoryLayout<RowSet>.stride)
            u.other += MemoryEstimate.dictionary(capacity: p.votes.capacity, entry: 4 + MemoryLayout<[Vote]>.stride)
            u.other += p.voteCount * (MemoryLayout<Vote>.stride + 3 * 48)
            u.other += MemoryEstimate.dictionary(capacity: p.sessions.capacity, entry: MemoryLayout<String>.stride + MemoryLayout<SessionProgress>.stride) + p.sessions.count * 256
            u.other += MemoryEstimate.dictionary(capacity: p.features.capacity, entry: MemoryLayout<FeatureKey>.stride + MemoryLayout<FeatureRecord>.stride) + p.features.count * 256
        }
        return u
    }

    static func heapBytes(_ r: MemoryRow) -> Int {
        var b = MemoryEstimate.string(r.id) + MemoryEstimate.string(r.projectId) + MemoryEstimate.string(r.content) + MemoryEstimate.string(r.namespace)
        b += (r.agentId.map(MemoryEstimate.string) ?? 0) + (r.userId.map(MemoryEstimate.string) ?? 0)
        for a in r.sharedWithAgents { b += MemoryEstimate.string(a) }
        for a in r.derivedFromAgents { b += MemoryEstimate.string(a) }
        if !r.sharedWithAgents.isEmpty { b += 32 + r.sharedWithAgents.count * MemoryLayout<String>.stride }
        if !r.derivedFromAgents.isEmpty { b += 32 + r.derivedFromAgents.count * MemoryLayout<String>.stride }
        b += objectBytes(r.metadata) + objectBytes(r.coordinationMetadata)
        return b
    }

    /// Keys array + values array + each entry's strings (nested values counted one level deep).
    static func objectBytes(_ o: JSONObject) -> Int {
        guard !o.isEmpty else { return 0 }
        var b = 64 + o.count * (MemoryLayout<String>.stride + MemoryLayout<JSONValue>.stride + 32)  // + each value's box
        for (k, v) in o {
            b += MemoryEstimate.string(k)
            switch v {
            case .string(let s): b += MemoryEstimate.string(s)
            case .array(let a): b += 32 + a.count * MemoryLayout<JSONValue>.stride
            case .object(let inner): b += 64 + inner.count * 64
            default: break
            }
        }
        return b
    }
}

/// Size estimates of Swift containers (shared by the store's and the engine's accounting).
public enum MemoryEstimate {
    /// A native Swift string keeps up to 15 UTF-8 bytes inline; longer ones are a heap object
    /// (32-byte header and capacity words) plus the bytes.
    public static func string(_ s: String) -> Int {
        let n = s.utf8.count
        return n <= 15 ? 0 : 32 + n
    }

    public static func dictionary(capacity: Int, entry: Int) -> Int {
        capacity == 0 ? 0 : 64 + capacity * entry + capacity / 8
    }
}
