import AegisCore

/// A consistent, immutable capture of the state taken under the read lock (O(1): arrays and
/// dictionaries are copy-on-write; vector slots never change), written out without the lock.
struct SnapshotImage: @unchecked Sendable {
    var lsn: UInt64
    var lastTimestamp: Int64
    var embeddingModel: String?
    var dimension: Int
    var rows: PackedRows
    var liveMemories: Int
    var vectors: FrozenVectors?
    /// Per project (sorted by id): votes by memory, sessions, features in creation order.
    var projects: [(id: String, votes: [Int32: [Vote]], sessions: [String: SessionProgress], features: [FeatureKey: FeatureRecord], featureOrder: [FeatureKey])]
    var index: (bytes: [UInt8], lsn: UInt64)?

    init(state s: StoreState, index: (bytes: [UInt8], lsn: UInt64)?) {
        lsn = s.lastLSN
        lastTimestamp = s.lastTimestamp
        embeddingModel = s.embeddingModel
        dimension = s.dimension
        rows = s.rows
        liveMemories = s.liveMemories
        vectors = s.vectors?.frozen()
        projects = s.projects.keys.sorted().map { id in
            let p = s.projects[id]!
            return (id, p.votes, p.sessions, p.features, p.featureOrder)
        }
        self.index = index
    }
}
