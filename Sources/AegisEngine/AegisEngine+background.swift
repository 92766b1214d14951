import AegisCore

extension AegisEngine {
    /// Hard-deletes expired memories (with their votes) in every project, in batches of 500
    /// per atomic record. Returns the number removed.
    @discardableResult
    public func sweepExpired() async throws -> Int {
        try checkOpen()
        let now = self.now()
        let projects = backend.read { $0.projectIds() }
        var removed = 0
        for project in projects {
            let expired = backend.read { view -> [String] in
                var ids: [String] = []
                view.forEachMemory(projectId: project) { m in
                    if m.isExpired(at: now) { ids.append(m.id) }
                    return true
                }
                return ids
            }
            var i = 0
            while i < expired.count {
                let chunk = expired[i..<min(i + 500, expired.count)]
                // Only what is still present; a concurrent user delete can still win the race,
                // then the chunk is retried one memory at a time.
                let still = backend.read { view in chunk.filter { view.memory(projectId: project, id: $0)?.isExpired(at: now) ?? false } }
                do {
                    try await commit(still.map { .memoryDelete(projectId: project, id: $0) })
                    removed += still.count
                } catch let e as EngineError where e.code == .notFound {
                    for id in still {
                        do { try await commit([.memoryDelete(projectId: project, id: id)]); removed += 1 }
                        catch let e as EngineError where e.code == .notFound { continue }
                    }
                }
                i += chunk.count
            }
        }
        state.withLock { $0.lastSweep = now; $0.sweptTotal += removed }
        return removed
    }

    /// Runs the periodic checkpoint and TTL sweep until the calling task is cancelled
    /// (wire it into the server's service group). Failures are reported to `onError` and
    /// retried at the next tick; they never stop the loop.
    public func runBackgroundServices(onError: @escaping @Sendable (String) -> Void = { _ in }) async {
        let tick: Double = 1
        var sinceCheckpoint = 0.0, sinceSweep = 0.0
        while !Task.isCancelled {
            try? await Task.sleep(nanoseconds: UInt64(tick * 1e9))
            if Task.isCancelled || state.withLock({ $0.closed }) { return }
            sinceCheckpoint += tick; sinceSweep += tick
            reportNewIndexFailures(onError)
            let c = configuration
            if c.ttlSweepIntervalSeconds > 0, sinceSweep >= c.ttlSweepIntervalSeconds {
                sinceSweep = 0
                do { try await sweepExpired() } catch { onError("ttl sweep failed: \(error)") }
            }
            let events = state.withLock { $0.eventsSinceCheckpoint }
            let due = (c.checkpointIntervalSeconds > 0 && sinceCheckpoint >= c.checkpointIntervalSeconds && events > 0)
                || (c.checkpointEveryEvents > 0 && events >= c.checkpointEveryEvents)
            if due {
                sinceCheckpoint = 0
                do { try await checkpoint() } catch { onError("checkpoint failed: \(error)") }
            }
        }
    }
}

extension AegisEngine {
    /// Reports each project's failed graph once (the server logs it at error level).
    func reportNewIndexFailures(_ onError: (String) -> Void) {
        let failed = spaces.failedIndexes()
        guard !failed.isEmpty else { return }
        let new = state.withLock { s -> [String] in
            let n = failed.keys.filter { !s.reportedIndexFailures.contains($0) }.sorted()
            s.reportedIndexFailures.formUnion(n)
            return n
        }
        for p in new {
            onError("vector index of project \(p) failed: \(failed[p]!); its searches are exact scans until the graph is rebuilt (restart the server, or stop it and run `aegis-memory rebuild-index`)")
        }
    }
}
