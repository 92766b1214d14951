import AegisCore
import AegisStorage
import AegisHNSW
import AegisVector

/// Builds a project's vector space and HNSW graph in one go from its memories (parallel bulk
/// insert), for `rebuildIndex` and `reembed`. Slots are dense: memory i (oldest first) is slot i.
/// Each memory comes with its stored row (docs/engine.md, "One copy of each vector"); `rowOwner`
/// keeps rows alive that are not the backend's (reembed's new vectors).
enum IndexBuilder {
    /// Rows linked per bulk call (progress granularity).
    static let chunk = 4096

    static func build(memories unsorted: [(memory: MemoryHead, row: UnsafePointer<Float>)], rowOwner: AnyObject? = nil,
                      dimension: Int, parameters: IndexParameters, configuration: EngineConfiguration, threads: Int,
                      progress: (Int) -> Void = { _ in }) throws -> ProjectSpace {
        let items = unsorted.sorted { ($0.memory.createdAt, $0.memory.id) < ($1.memory.createdAt, $1.memory.id) }
        let space = ProjectSpace(dimension: dimension)
        space.rowOwner = rowOwner
        for (m, row) in items { _ = space.upsertDeferringIndex(m, row: row) }   // slots 0..<n, no graph yet
        var c = configuration
        c.hnswM = parameters.m
        c.hnswEfConstruction = parameters.efConstruction
        let index: HNSWIndex
        do {
            index = try HNSWIndex(configuration: IndexFactory.hnswConfiguration(dimension: dimension, c), capacity: items.count,
                                  externalVectors: true)
            index.useTraversalCodes(configuration.hnswTraversalCodes)
            var i = 0
            while i < items.count {
                let n = min(chunk, items.count - i)
                try index.insert(labels: (i..<(i + n)).map { UInt64($0) }, stableVectors: items[i..<(i + n)].map(\.row),
                                 threads: max(1, threads))
                i += n
                progress(i)
            }
        } catch {
            throw EngineError(.internalError, "index build failed: \(error)")
        }
        space.ann = HNSWAdapter(index: index, configuration: configuration)
        return space
    }

    /// Copies `memories`' embeddings into rows of their own (for a build whose vectors are not
    /// stored yet); the returned owner keeps them alive.
    static func ownRows(_ memories: [Memory], dimension: Int) throws -> (items: [(memory: MemoryHead, row: UnsafePointer<Float>)], owner: StableVectorRows) {
        let rows = StableVectorRows(dimension: dimension)
        var items: [(memory: MemoryHead, row: UnsafePointer<Float>)] = []
        items.reserveCapacity(memories.count)
        for m in memories {
            guard m.embedding.count == dimension else {
                throw EngineError(.internalError, "memory \(m.id) has a \(m.embedding.count)-dimensional vector, expected \(dimension)")
            }
            items.append((MemoryHead(m), rows.append(m.embedding)))
        }
        return (items, rows)
    }
}
