import AegisCore

/// The whole in-memory state of a store: memory rows, vectors, per-project tables, and the
/// LSN it reflects. Mutated only by `apply` (the writer, under the write lock, or recovery).
final class StoreState: @unchecked Sendable {
    var embeddingModel: String?
    var dimension: Int = 0
    /// Row number → row; nil for deleted rows (numbers are not reused while open). Packed:
    /// decoded on read (docs/engine.md, "Compact rows").
    @exclusivity(unchecked) var rows = PackedRows()
    var liveMemories = 0
    var vectors: VectorArena?
    /// Any change to the set of projects drops the one-entry lookup cache below.
    var projects: [String: ProjectTables] = [:] { didSet { lastProject = nil } }
    /// The project of the previous `existingProject` hit (replay applies long runs of one project).
    private var lastProject: ProjectTables?
    /// The LSN of the last record applied (0 = none).
    var lastLSN: UInt64 = 0
    /// Commit time of that record (µs; 0 = none).
    var lastTimestamp: Int64 = 0
    /// Events that failed to apply during replay (should stay 0; see format-storage.md §3).
    var skippedEvents = 0

    func project(_ id: String) -> ProjectTables {
        if let p = existingProject(id) { return p }
        let p = ProjectTables(projectId: id)
        projects[id] = p
        return p
    }

    /// The tables of `id` if the project exists (cached for runs of the same project).
    @inline(__always) func existingProject(_ id: String) -> ProjectTables? {
        if let p = lastProject, p.projectId == id { return p }
        guard let p = projects[id] else { return nil }
        lastProject = p
        return p
    }

    func rowNumber(project: String, id: String) -> Int32? { existingProject(project)?.memoryById[id] }

    /// Whether row `r` holds a live memory (tests the optional in place: no copy of the row).
    @inline(__always) func isLive(_ r: Int32) -> Bool { rows.isLive(Int(r)) }

    func row(project: String, id: String) -> MemoryRow? {
        guard let r = rowNumber(project: project, id: id) else { return nil }
        return rows[Int(r)]
    }

    /// Changes a live row (decoded, changed, re-encoded).
    @inline(__always) func modifyRow(_ r: Int32, _ body: (inout MemoryRow) -> Void) {
        rows.modify(Int(r), body)
    }

    // MARK: apply (deterministic; assumes validated events, skips and counts anything else)

    func apply(_ events: [StoreEvent], lsn: UInt64, timestamp: Int64) {
        events.withUnsafeBufferPointer { apply($0, lsn: lsn, timestamp: timestamp) }
    }

    /// As `apply(_:lsn:timestamp:)`, borrowing the events in place (replay batches).
    func apply(_ events: UnsafeBufferPointer<StoreEvent>, lsn: UInt64, timestamp: Int64) {
        for i in events.indices where !apply(events[i]) { skippedEvents += 1 }
        lastLSN = lsn
        lastTimestamp = timestamp
    }

    /// Applies one event; false when it could not apply (missing target, duplicate, bad vector).
    @discardableResult
    func apply(_ e: StoreEvent) -> Bool {
        switch e {
        case .config(let model, let dim):
            if let v = vectors, v.dimension != dim, v.count > 0 { return false }
            embeddingModel = model
            if dimension != dim || vectors == nil { vectors = VectorArena(dimension: dim) }
            dimension = dim
            return true

        case .memoryPut(let m):
            return applyPut(m, key: IdKey(m.id))

        case .memoryUpdate(let u):
            guard let p = existingProject(u.projectId), let r = p.memoryById[u.id], isLive(r) else { return false }
            var slot: Int32?
            if let e = u.embedding {
                guard let arena = vectors, e.count == dimension else { return false }
                slot = arena.append(e)
            }
            var newHash: HashKey?
            if u.content != nil {
                guard let h = u.contentHash.flatMap(HashKey.init(hex:)) else { return false }
                newHash = h
                if let old = rows[Int(r)]?.hash, old != h {
                    if let l = p.byHash[old] { p.byHash[old] = l.removing(r) }
                    if let l = p.byHash[h] { p.byHash[h] = l.appending(r) } else { p.byHash[h] = .one(r) }
                }
            }
            modifyRow(r) { row in
                if let slot { row.slot = slot }
                if let c = u.content, let newHash { row.content = c; row.hash = newHash }
                if let s = u.scope { row.scope = s }
                if let l = u.sharedWithAgents { row.sharedWithAgents = l }
                if let t = u.memoryType { row.memoryType = t }
                if let m = u.metadata { row.metadata = m }
                if let patch = u.metadataPatch { row.metadata.merge(patch) }
                if let e = u.expiresAt { row.expiresAt = e }
                row.updatedAt = u.updatedAt
            }
            return true

        case .memoryDeprecate(let d):
            guard let p = existingProject(d.projectId), let r = p.memoryById[d.id], isLive(r) else { return false }
            modifyRow(r) { row in
                row.isDeprecated = true
                row.deprecatedAt = d.at
                row.deprecatedBy = d.deprecatedBy
                row.supersededBy = d.supersededBy
                if let reason = d.reason { row.metadata["deprecation_reason"] = .string(reason) }
                row.updatedAt = d.at
            }
            return true

        case .memoryDelete(let projectId, let id):
            guard let p = existingProject(projectId), let r = p.memoryById[id], let row = rows[Int(r)] else { return false }
            p.unindexMemory(row, at: r)
            rows.delete(Int(r))
            liveMemories -= 1
            return true

        case .vote(let v):
            return applyVote(v, key: IdKey(v.memoryId))

        case .sessionCreate(let s):
            let p = project(s.projectId)
            guard p.sessions[s.sessionId] == nil else { return false }
            p.sessions[s.sessionId] = s
            return true

        case .sessionPatch(let patch):
            guard let p = existingProject(patch.projectId), var s = p.sessions[patch.sessionId] else { return false }
            if let items = patch.completedItems {
                var seen = Set(s.completedItems)
                for i in items where !seen.contains(i) { s.completedItems.append(i); seen.insert(i) }
                s.completedCount = Int64(s.completedItems.count)
            }
            if let v = patch.inProgressItem { s.inProgressItem = v }
            if let v = patch.nextItems { s.nextItems = v }
            if let v = patch.blockedItems { s.blockedItems = v }
            if let v = patch.summary { s.summary = v }
            if let v = patch.lastAction { s.lastAction = v }
            if let v = patch.status { s.status = v }
            if let v = patch.totalItems { s.totalItems = v }
            s.updatedAt = patch.updatedAt
            p.sessions[patch.sessionId] = s
            return true

        case .featureCreate(let f):
            let p = project(f.projectId)
            let k = FeatureKey(namespace: f.namespace, featureId: f.featureId)
            guard p.features[k] == nil else { return false }
            p.addFeature(f)
            return true

        case .featurePatch(let patch):
            let k = FeatureKey(namespace: patch.namespace, featureId: patch.featureId)
            guard let p = existingProject(patch.projectId), var f = p.features[k] else { return false }
            if let v = patch.status { f.status = v }
            if let v = patch.passes { f.passes = v }
            if let v = patch.implementedBy { f.implementedBy = v }
            if let v = patch.verifiedBy { f.verifiedBy = v }
            if let v = patch.implementationNotes { f.implementationNotes = v }
            if let v = patch.failureReason { f.failureReason = v }
            if let v = patch.completedAt { f.completedAt = v }
            f.updatedAt = patch.updatedAt
            p.features[k] = f
            return true
        }
    }

    // MARK: replay fast paths

    /// Replay: applies an event handed over by the caller (moved out of its batch, so nothing
    /// of it is retained here and released on another thread), with the target id's key
    /// (hash included) computed on the decoding thread when `key` is given.
    @inline(__always)
    func applyReplayed(_ e: consuming StoreEvent, key: IdKey?) -> Bool {
        guard let key else { return apply(e) }
        switch consume e {
        case .vote(let v): return applyVote(v, key: key)
        case .memoryPut(let m): return applyPut(m, key: key)
        case let other: return apply(other)
        }
    }

    /// `.memoryPut`; `key` is `IdKey(m.id)`.
    func applyPut(_ m: consuming Memory, key: IdKey) -> Bool {
        guard let arena = vectors, m.embedding.count == dimension, let hash = HashKey(hex: m.contentHash) else { return false }
        let p = project(m.projectId)
        guard p.memoryById[key] == nil else { return false }
        let slot = arena.append(m.embedding)
        let rowNumber = Int32(rows.count)
        let row = MemoryRow(m, hash: hash, slot: slot)
        rows.append(row)
        p.indexMemory(row, at: rowNumber, key: key)
        liveMemories += 1
        return true
    }

    /// `.vote`; `key` is `IdKey(v.memoryId)`. The vote is moved into the project's table.
    func applyVote(_ v: consuming Vote, key: IdKey) -> Bool {
        guard let p = existingProject(v.projectId), let r = p.memoryById[key], isLive(r) else { return false }
        let kind = v.vote, at = v.createdAt
        // In the row's entry: the encoded bytes stay as they are.
        rows.vote(Int(r), helpful: kind == .helpful, at: at)
        p.addVote(v, row: r)
        return true
    }
}
