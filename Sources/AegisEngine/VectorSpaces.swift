import AegisCore
import AegisStorage

/// All projects' vector spaces. One space (and one HNSW graph) per project: isolation holds
/// by construction — a search physically cannot reach another tenant's vectors — and each
/// graph stays as small as its tenant, which keeps filtered recall high.
final class VectorSpaces: Sendable {
    let dimension: Int
    let configuration: EngineConfiguration
    let lock = RWLock()
    /// Serialises `apply` (see there).
    let applying = Locked(())
    let storage = UnsafeBox<[String: ProjectSpace]>([:])
    /// HNSW build parameters pinned by `rebuildIndex` (persisted in the index section); they
    /// override the configuration's for graphs created from now on.
    let pinned = UnsafeBox<IndexParameters?>(nil)
    /// Start-up: projects whose graph came from the checkpoint vs. rebuilt from the tables.
    private let startCounts = UnsafeBox<(restored: Int, rebuilt: Int)>((0, 0))
    var restoredAtStart: Int { lock.withReadLock { startCounts.value.restored } }
    var rebuiltAtStart: Int { lock.withReadLock { startCounts.value.rebuilt } }
    /// Start-up: saved index data that could not be used (the graphs were rebuilt instead).
    private let discarded = UnsafeBox<[String]>([])
    var discardedAtStart: [String] { lock.withReadLock { discarded.value } }

    init(dimension: Int, configuration: EngineConfiguration) {
        self.dimension = dimension
        self.configuration = configuration
    }

    func counts() -> (projects: Int, memories: Int) {
        lock.withReadLock { (storage.value.count, storage.value.values.reduce(0) { $0 + $1.count }) }
    }

    /// Runs `body` on the project's space under the read lock (nil when the project has none).
    func withSpace<T>(_ project: String, _ body: (ProjectSpace?) throws -> T) rethrows -> T {
        try lock.withReadLock { try body(storage.value[project]) }
    }

    private func space(_ project: String) -> ProjectSpace {
        if let s = storage.value[project] { return s }
        let s = ProjectSpace(dimension: dimension)
        s.ann = makeIndex()
        storage.value[project] = s
        return s
    }

    func makeIndex() -> (any ApproximateIndex)? { IndexFactory.make(dimension: dimension, configuration: effectiveConfiguration) }

    /// The configuration with the pinned build parameters applied.
    var effectiveConfiguration: EngineConfiguration {
        var c = configuration
        if let p = pinned.value { c.hnswM = p.m; c.hnswEfConstruction = p.efConstruction }
        return c
    }

    /// Mirrors committed changes into the vector spaces. Attributes are re-read from the
    /// backend under the write lock, so concurrent commits (e.g. votes racing a deprecation)
    /// always leave the newest state, whatever order their mirrors run in.
    ///
    /// Graph inserts of new memories — most of an add's CPU — run after the write lock is
    /// released (the graph has its own locks and lets searches run while an insert looks for
    /// its neighbours). `applying` keeps mirrors one at a time, so no other change can reach a
    /// space between its bookkeeping and its graph insert; within one batch, pending inserts
    /// are flushed before any other kind of change. Pending inserts are grouped per space:
    /// a group of `hnswBulkInsertThreshold` or more (an import chunk, a big `add_batch`)
    /// goes to the graph's parallel bulk insert in one call, smaller ones stay single inserts.
    func apply(_ events: [StoreEvent], backend: any EngineBackend) {
        applying.withLock { _ in
            var pending = PendingInserts()
            lock.withWriteLock {
                for e in events {
                    if case .memoryPut(let m) = e, let deferred = deferredInsert(m, backend: backend) {
                        if let d = deferred.slot { pending.add(deferred.space, slot: d, row: deferred.row) }
                        continue
                    }
                    pending.flush()
                    switch e {
                    case .memoryPut(let m):
                        refresh(project: m.projectId, id: m.id, backend: backend)
                    case .memoryUpdate(let u):
                        refresh(project: u.projectId, id: u.id, backend: backend)
                    case .memoryDeprecate(let d):
                        refresh(project: d.projectId, id: d.id, backend: backend)
                    case .memoryDelete(let p, let id):
                        storage.value[p]?.remove(id: id)
                    case .vote(let v):
                        refresh(project: v.projectId, id: v.memoryId, backend: backend)
                    case .config, .sessionCreate, .sessionPatch, .featureCreate, .featurePatch:
                        continue
                    }
                }
            }
            pending.flush()
        }
    }

    /// The bookkeeping of a memory new to its space, with the graph insert left to the caller;
    /// nil when the change is not that case (it is then applied the usual way).
    private func deferredInsert(_ m: Memory, backend: any EngineBackend) -> (space: ProjectSpace, slot: Int?, row: UnsafePointer<Float>)? {
        guard !m.embedding.isEmpty, storage.value[m.projectId]?.slotOf[m.id] == nil,
              let (current, row) = backend.read({ $0.memoryHeadWithRow(projectId: m.projectId, id: m.id) }) else { return nil }
        let s = space(m.projectId)
        return (s, s.upsertDeferringIndex(current, row: row), row)
    }

    /// Re-reads the memory: attributes always; a changed row (a re-embedding) re-inserts it.
    private func refresh(project: String, id: String, backend: any EngineBackend) {
        guard let (m, row) = backend.read({ $0.memoryHeadWithRow(projectId: project, id: id) }) else {
            storage.value[project]?.remove(id: id)
            return
        }
        space(project).upsert(m, row: row)
    }

    /// Start-up: restore graphs from the checkpoint section when present and consistent,
    /// then reconcile with the tables: graph nodes of deleted memories are removed, memories
    /// the graph lacks are inserted (oldest first), re-embedded ones are re-inserted.
    func load(section: [UInt8]?, backend: any EngineBackend) throws {
        var trace = OpenTrace()   // AEGIS_TRACE_OPEN: phase timings on stderr
        let parsed = section.flatMap { IndexSection.decodeWithParameters($0) }
        trace.mark("engine: index section parsed")
        let decoded = parsed?.entries ?? [:]
        if let section, parsed == nil {
            discarded.value.append("the saved index section (\(section.count) bytes) does not parse or its checksum fails; every graph is rebuilt from the tables")
        }
        let reembedded = backend.reembeddedSinceIndex()
        lock.withWriteLock {
            if let p = parsed?.pinned, (try? IndexParameters.checked(m: p.m, efConstruction: p.efConstruction)) != nil { pinned.value = p }
            backend.read { view in
                for project in view.projectIds() {
                    let s = ProjectSpace(dimension: dimension)
                    var pending: [(MemoryHead, UnsafePointer<Float>)] = []
                    if let entry = decoded[project],
                       let ann = IndexFactory.decode(entry, dimension: dimension, configuration: configuration) {
                        // A graph node keeps its memory unless that memory is gone or was
                        // re-embedded after the index was saved (then it is removed and re-inserted).
                        startCounts.value.restored += 1
                        trace.mark("engine: graph of \(project) decoded")
                        s.beginRestore(slots: entry.slots, ann: ann)
                        let heads = view.memoryHeadsWithRows(projectId: project, ids: entry.slots)
                        for (slot, id) in entry.slots.enumerated() {
                            guard let id, !reembedded.contains(id), s.slotOf[id] == nil,
                                  let (m, row) = heads[slot] else { continue }
                            s.restore(slot: slot, m, row: row)
                        }
                        trace.mark("engine: \(entry.slots.count) nodes of \(project) given their memories")
                        s.finishRestore(savedSlots: entry.slots, traversalCodes: configuration.hnswTraversalCodes)
                        trace.mark("engine: graph of \(project) attached")
                        // Memories without a node (added after the index LSN); none when every
                        // memory of the project was restored (restored nodes are a subset).
                        if s.count < view.memoryCount(projectId: project) {
                            view.forEachMemoryHeadWithRow(projectId: project) { m, row in
                                if s.slotOf[m.id] == nil { pending.append((m, row)) }
                                return true
                            }
                        }
                    } else {
                        startCounts.value.rebuilt += 1
                        if let entry = decoded[project], !entry.graph.isEmpty {
                            discarded.value.append("the saved graph of project \(project) (\(entry.graph.count) bytes) does not decode or does not fit; rebuilt from the tables")
                        }
                        s.ann = makeIndex()
                        view.forEachMemoryHeadWithRow(projectId: project) { m, row in
                            pending.append((m, row))
                            return true
                        }
                    }
                    pending.sort { ($0.0.createdAt, $0.0.id) < ($1.0.createdAt, $1.0.id) }
                    // Graph nodes in bulk (bounded chunks).
                    var batch: [(slot: Int, row: UnsafePointer<Float>)] = []
                    for (m, row) in pending {
                        if let slot = s.upsertDeferringIndex(m, row: row) { batch.append((slot, row)) }
                        if batch.count == 4096 { s.ann?.insert(batch: batch); batch.removeAll(keepingCapacity: true) }
                    }
                    s.ann?.insert(batch: batch)
                    trace.mark("engine: \(pending.count) memories of \(project) inserted")
                    storage.value[project] = s
                }
            }
        }
    }

    func encode() -> [UInt8] {
        applying.withLock { _ in encodeLocked() }
    }

    /// The index section and the LSN it reflects: `lsn()` is read while no mirror can run
    /// (`applying` held), then `stable()` is called and the graphs are encoded, still without
    /// any mirror running. Searches are never blocked: only the spaces' map is read under the
    /// read lock (briefly), and graphs encode under their mutation lock. See `MirrorBarrier`.
    func encode(lsn: () -> UInt64, stable: () -> Void) -> (section: [UInt8], lsn: UInt64) {
        applying.withLock { _ in
            let at = lsn()
            stable()
            return (encodeLocked(), at)
        }
    }

    /// Caller holds `applying` (nothing mutates a space meanwhile).
    private func encodeLocked() -> [UInt8] {
        let (spaces, pins) = lock.withReadLock { (storage.value, pinned.value) }
        return IndexSection.encode(spaces, pinned: pins)
    }
}

/// Graph inserts deferred by `VectorSpaces.apply`, grouped per space in arrival order.
struct PendingInserts {
    private var groups: [(space: ProjectSpace, batch: [(slot: Int, row: UnsafePointer<Float>)])] = []
    private var groupOf: [ObjectIdentifier: Int] = [:]

    mutating func add(_ space: ProjectSpace, slot: Int, row: UnsafePointer<Float>) {
        let key = ObjectIdentifier(space)
        if let g = groupOf[key] {
            groups[g].batch.append((slot, row))
        } else {
            groupOf[key] = groups.count
            groups.append((space, [(slot, row)]))
        }
    }

    /// Inserts every pending node into its space's graph (bulk for big groups) and empties.
    mutating func flush() {
        guard !groups.isEmpty else { return }
        for g in groups { g.space.ann?.insert(batch: g.batch) }
        groups.removeAll()
        groupOf.removeAll()
    }
}

/// A mutable box whose access is guarded by an external lock.
final class UnsafeBox<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}
