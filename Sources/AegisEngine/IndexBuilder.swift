import AegisCore
import AegisHNSW

/// Builds a project's vector space and HNSW graph in one go from its memories (parallel bulk
/// insert), for `rebuildIndex` and `reembed`. Slots are dense: memory i (oldest first) is slot i.
enum IndexBuilder {
    /// Rows linked per bulk call (progress granularity).
    static let chunk = 4096

    static func build(memories unsorted: [Memory], dimension: Int, parameters: IndexParameters,
                      configuration: EngineConfiguration, threads: Int,
                      progress: (Int) -> Void = { _ in }) throws -> ProjectSpace {
        let memories = unsorted.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        let space = ProjectSpace(dimension: dimension)
        for m in memories {
            guard m.embedding.count == dimension else {
                throw EngineError(.internalError, "memory \(m.id) has a \(m.embedding.count)-dimensional vector, expected \(dimension)")
            }
            space.upsert(m)            // no graph yet: fills vectors, attributes, slots 0..<n
        }
        var c = configuration
        c.hnswM = parameters.m
        c.hnswEfConstruction = parameters.efConstruction
        let index: HNSWIndex
        do {
            index = try HNSWIndex(configuration: IndexFactory.hnswConfiguration(dimension: dimension, c), capacity: memories.count)
            index.useTraversalCodes(configuration.hnswTraversalCodes)
            var i = 0
            while i < memories.count {
                let n = min(chunk, memories.count - i)
                let rows = Array(space.vectors[(i * dimension)..<((i + n) * dimension)])
                try index.insert(labels: (i..<(i + n)).map { UInt64($0) }, vectors: rows, threads: max(1, threads))
                i += n
                progress(i)
            }
        } catch {
            throw EngineError(.internalError, "index build failed: \(error)")
        }
        space.ann = HNSWAdapter(index: index, configuration: configuration)
        return space
    }
}
