import AegisCore
import AegisHNSW

extension VectorSpaces {
    /// Replaces a project's space with the one `build` returns, all under the write lock:
    /// commits racing the build mirror into the new space afterwards (they re-read the tables).
    func rebuild(project: String, _ build: () throws -> ProjectSpace) rethrows {
        try applying.withLock { _ in try lock.withWriteLock { storage.value[project] = try build() } }
    }

    /// Pins the build parameters (persisted by the next `encode`).
    func pin(_ p: IndexParameters?) { lock.withWriteLock { pinned.value = p } }

    var pinnedParameters: IndexParameters? { lock.withReadLock { pinned.value } }

    /// Compacts every graph holding tombstones in place. Returns the tombstones dropped.
    func compactGraphs(threads: Int) throws -> Int {
        try applying.withLock { _ in try compactGraphsLocked(threads: threads) }
    }

    private func compactGraphsLocked(threads: Int) throws -> Int {
        try lock.withWriteLock {
            var dropped = 0
            for (name, s) in storage.value {
                guard let a = s.ann as? HNSWAdapter, a.index.deletedCount > 0 else { continue }
                let n = a.index.deletedCount
                do { try a.index.compact(threads: threads) } catch {
                    throw EngineError(.internalError, "compacting the graph of project \(name) failed: \(error)")
                }
                dropped += n
            }
            return dropped
        }
    }

    func status() -> [ProjectIndexStatus] {
        lock.withReadLock {
            storage.value.keys.sorted().map { name in
                let s = storage.value[name]!
                let idx = (s.ann as? HNSWAdapter)?.index
                return ProjectIndexStatus(project: name, memories: s.count, graphNodes: idx?.count, graphTombstones: idx?.deletedCount,
                                          parameters: idx.map { IndexParameters(m: $0.configuration.m, efConstruction: $0.configuration.efConstruction) })
            }
        }
    }
}
