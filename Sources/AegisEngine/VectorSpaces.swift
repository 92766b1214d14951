import AegisCore

/// All projects' vector spaces. One space (and one HNSW graph) per project: isolation holds
/// by construction — a search physically cannot reach another tenant's vectors — and each
/// graph stays as small as its tenant, which keeps filtered recall high.
final class VectorSpaces: Sendable {
    let dimension: Int
    let configuration: EngineConfiguration
    private let lock = RWLock()
    private let storage = UnsafeBox<[String: ProjectSpace]>([:])

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

    func makeIndex() -> (any ApproximateIndex)? { IndexFactory.make(dimension: dimension, configuration: configuration) }

    /// Mirrors committed changes into the vector spaces.
    func apply(_ changes: [EngineChange]) {
        lock.withWriteLock {
            for c in changes {
                switch c {
                case .putMemory(let m): space(m.projectId).upsert(m)
                case .deleteMemory(let p, let id): storage.value[p]?.remove(id: id)
                case .vote(let v):
                    guard let s = storage.value[v.projectId], var info = s.info(v.memoryId) else { continue }
                    if v.vote == .helpful { info.helpful += 1 } else { info.harmful += 1 }
                    s.setInfo(v.memoryId, info)
                case .putSession, .putFeature: continue
                }
            }
        }
    }

    /// Start-up: restore graphs from the checkpoint section when present and consistent,
    /// then (re)index every memory of the backend the section did not cover.
    func load(section: [UInt8]?, backend: any EngineBackend) throws {
        let decoded = section.flatMap { IndexSection.decode($0) } ?? [:]
        try lock.withWriteLock {
            try backend.read { view in
                for project in view.projectIds() {
                    let s = ProjectSpace(dimension: dimension)
                    var memories: [Memory] = []
                    view.forEachMemory(projectId: project) { memories.append($0); return true }
                    if let entry = decoded[project], let ann = IndexFactory.decode(entry, dimension: dimension, configuration: configuration) {
                        try s.restore(memories: memories, slots: entry.slots, ann: ann)
                    } else {
                        s.ann = makeIndex()
                        for m in memories where m.embedding.count == dimension { s.upsert(m) }
                    }
                    storage.value[project] = s
                }
            }
        }
    }

    func encode() -> [UInt8] {
        lock.withReadLock { IndexSection.encode(storage.value) }
    }
}

extension ProjectSpace {
    func setInfo(_ id: String, _ info: SlotInfo) { if slotOf[id] != nil { updateInfo(id: id, info) } }
}

/// A mutable box whose access is guarded by an external lock.
final class UnsafeBox<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}
