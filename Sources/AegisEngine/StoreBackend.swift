import AegisCore
import AegisStorage

/// `EngineBackend` on the durable `AegisStorage.Store`. Engine changes (full records) are
/// translated into the store's typed events by comparing with the stored row; the engine
/// serialises writes per project, so the comparison cannot race with another writer.
public final class StoreBackend: EngineBackend, @unchecked Sendable {
    public let store: Store
    private let reembedded: Set<String>

    public init(store: Store) {
        self.store = store
        var ids = Set<String>()
        for commit in store.openReport.indexCatchUp ?? [] {
            for case .memoryUpdate(let u) in commit.events where u.embedding != nil { ids.insert(u.id) }
        }
        reembedded = ids
    }

    struct View: TableView {
        let v: StoreView
        func memory(projectId: String, id: String) -> Memory? { v.memory(project: projectId, id: id) }
        func memoryWithoutVector(projectId: String, id: String) -> Memory? {
            guard let r = v.memoryRow(project: projectId, id: id) else { return nil }
            return Memory(id: r.id, projectId: r.projectId, userId: r.userId, agentId: r.agentId, namespace: r.namespace,
                          memoryType: r.memoryType, content: r.content, contentHash: "", embedding: [],
                          metadata: r.metadata, scope: r.scope, sharedWithAgents: r.sharedWithAgents,
                          derivedFromAgents: r.derivedFromAgents, coordinationMetadata: r.coordinationMetadata,
                          createdAt: r.createdAt, updatedAt: r.updatedAt, expiresAt: r.expiresAt,
                          bulletHelpful: r.bulletHelpful, bulletHarmful: r.bulletHarmful, isDeprecated: r.isDeprecated,
                          deprecatedAt: r.deprecatedAt, deprecatedBy: r.deprecatedBy, supersededBy: r.supersededBy,
                          sourceTrajectoryId: r.sourceTrajectoryId, errorPattern: r.errorPattern)
        }
        func memoryIds(projectId: String, contentHash: String) -> [String] {
            v.memories(project: projectId, contentHash: contentHash).map(\.id)
        }
        func forEachMemory(projectId: String, _ body: (Memory) throws -> Bool) rethrows {
            try v.forEachMemory(project: projectId) { row in try body(row.memory(embedding: [])) }
        }
        func forEachMemoryWithEmbedding(projectId: String, _ body: (Memory) throws -> Bool) rethrows {
            try v.forEachMemory(project: projectId) { row in try body(row.memory(embedding: v.embedding(of: row))) }
        }
        func vectorRow(projectId: String, id: String) -> UnsafePointer<Float>? {
            guard let row = v.memoryRow(project: projectId, id: id) else { return nil }
            return v.stableVectorRow(of: row)
        }
        func memoryCount(projectId: String) -> Int { v.memoryCount(project: projectId) }
        func session(projectId: String, sessionId: String) -> SessionProgress? { v.session(project: projectId, sessionId: sessionId) }
        func forEachSession(projectId: String, _ body: (SessionProgress) throws -> Bool) rethrows {
            for s in v.sessions(project: projectId) { if try !body(s) { return } }
        }
        func feature(projectId: String, namespace: String, featureId: String) -> FeatureRecord? {
            v.feature(project: projectId, namespace: namespace, featureId: featureId)
        }
        func forEachFeature(projectId: String, _ body: (FeatureRecord) throws -> Bool) rethrows {
            for f in v.features(project: projectId) { if try !body(f) { return } }
        }
        func forEachVote(projectId: String, _ body: (Vote) throws -> Bool) rethrows {
            var stop = false
            try v.forEachVote(project: projectId) { vote in
                if stop { return }
                if try !body(vote) { stop = true }
            }
        }
        func projectIds() -> [String] { v.projectIds }
    }

    public func read<T>(_ body: (any TableView) throws -> T) rethrows -> T {
        try store.read { try body(View(v: $0)) }
    }

    public func commit(_ changes: [EngineChange]) async throws {
        let events = store.read { view in changes.flatMap { translate($0, view) } }
        guard !events.isEmpty else { return }
        do {
            try await store.commit(events)
        } catch let e as AegisError {
            throw Self.map(e)
        }
    }

    static func map(_ e: AegisError) -> EngineError {
        switch e.code {
        case .notFound: return EngineError(.notFound, e.message)
        case .conflict: return EngineError(.conflict, e.message)
        case .diskFull: return EngineError(.storageFull, "disk full: \(e.message)")
        case .invalidArgument, .mismatch: return EngineError(.internalError, "store rejected the change: \(e)")
        default: return EngineError(.unavailable, "store unavailable: \(e)")
        }
    }

    /// The store events for one engine change.
    func translate(_ c: EngineChange, _ view: StoreView) -> [StoreEvent] {
        switch c {
        case .putMemory(let m):
            guard let old = view.memoryRow(project: m.projectId, id: m.id) else { return [.memoryPut(m)] }
            var events: [StoreEvent] = []
            let deprecationChanged = m.isDeprecated && (!old.isDeprecated || old.deprecatedAt != m.deprecatedAt
                || old.deprecatedBy != m.deprecatedBy || old.supersededBy != m.supersededBy)
            if deprecationChanged {
                events.append(.memoryDeprecate(MemoryDeprecation(projectId: m.projectId, id: m.id, at: m.deprecatedAt ?? m.updatedAt,
                                                                 deprecatedBy: m.deprecatedBy, supersededBy: m.supersededBy)))
            }
            let embeddingChanged = !m.embedding.isEmpty && view.embedding(of: old) != m.embedding
            if old.metadata != m.metadata || embeddingChanged || old.expiresAt != m.expiresAt || old.updatedAt != m.updatedAt {
                events.append(.memoryUpdate(MemoryUpdate(projectId: m.projectId, id: m.id, updatedAt: m.updatedAt,
                                                         metadata: old.metadata != m.metadata ? m.metadata : nil,
                                                         embedding: embeddingChanged ? m.embedding : nil,
                                                         expiresAt: old.expiresAt != m.expiresAt ? .some(m.expiresAt) : nil)))
            }
            return events
        case .deleteMemory(let p, let id):
            return [.memoryDelete(projectId: p, id: id)]
        case .vote(let v):
            return [.vote(v)]
        case .putSession(let s):
            guard view.session(project: s.projectId, sessionId: s.sessionId) != nil else { return [.sessionCreate(s)] }
            return [.sessionPatch(SessionPatch(projectId: s.projectId, sessionId: s.sessionId, updatedAt: s.updatedAt,
                                               completedItems: s.completedItems, inProgressItem: .some(s.inProgressItem),
                                               nextItems: s.nextItems, blockedItems: s.blockedItems, summary: .some(s.summary),
                                               lastAction: .some(s.lastAction), status: s.status, totalItems: s.totalItems))]
        case .putFeature(let f):
            guard view.feature(project: f.projectId, namespace: f.namespace, featureId: f.featureId) != nil else {
                return [.featureCreate(f)]
            }
            return [.featurePatch(FeaturePatch(projectId: f.projectId, namespace: f.namespace, featureId: f.featureId,
                                               updatedAt: f.updatedAt, status: f.status, passes: f.passes,
                                               implementedBy: .some(f.implementedBy), verifiedBy: .some(f.verifiedBy),
                                               implementationNotes: .some(f.implementationNotes),
                                               failureReason: .some(f.failureReason), completedAt: .some(f.completedAt)))]
        }
    }

    public func embeddingModel() -> (name: String, dimension: Int)? {
        store.read { v in v.embeddingModel.map { (name: $0, dimension: v.dimension) } }
    }

    public func recordEmbeddingModel(name: String, dimension: Int) async throws {
        do { try await store.commit([.config(embeddingModel: name, dimension: dimension)]) } catch let e as AegisError { throw Self.map(e) }
    }

    public func loadedIndexSection() -> [UInt8]? { store.openReport.indexSection }
    public func reembeddedSinceIndex() -> Set<String> { reembedded }

    public func checkpoint(indexSection: [UInt8], indexLSN: UInt64) async throws {
        do { try await store.checkpoint(indexSection: indexSection, indexLSN: indexLSN) } catch let e as AegisError { throw Self.map(e) }
    }

    public func committedLSN() -> UInt64 { store.lastLSN }

    public func readOnlyReason() -> String? {
        if store.isReadOnly { return "opened read-only" }
        return store.failure.map { $0.description }
    }

    public func close() async throws {
        do { try await store.close() } catch let e as AegisError { throw Self.map(e) }
    }
}

extension AegisEngine {
    /// Opens (or creates) the durable store in `directory` and an engine on it: recovery,
    /// embedding-model check (a store built with another model or dimension is a clear
    /// `.unavailable` naming both), the vector index loaded from the newest checkpoint and
    /// caught up with the log tail.
    public static func open(directory: String, embedder: any Embedder, configuration: EngineConfiguration = .init(),
                            storeOptions: StoreOptions = StoreOptions()) async throws -> AegisEngine {
        var options = storeOptions
        options.embeddingModel = embedder.modelName
        options.dimension = embedder.dimension
        let store: Store
        do {
            store = try await Store.open(directory: directory, options: options)
        } catch let e as AegisError {
            switch e.code {
            case .mismatch: throw EngineError(.unavailable, "embedding model mismatch: \(e.message); to switch the store to the configured embedder run `aegis-memory reembed`")
            case .locked: throw EngineError(.unavailable, e.message)
            default: throw EngineError(.unavailable, "cannot open store: \(e)")
            }
        }
        do {
            return try await AegisEngine(backend: StoreBackend(store: store), embedder: embedder, configuration: configuration)
        } catch {
            try? await store.close()
            throw error
        }
    }
}

extension AegisEngine {
    /// An engine on a store opened read-only (no lock: works beside a running server), for
    /// `explain`, export and statistics tools. Writes answer `.unavailable`.
    public static func openReadOnly(directory: String, embedder: any Embedder,
                                    configuration: EngineConfiguration = .init()) async throws -> AegisEngine {
        let store: Store
        do {
            store = try Store.openReadOnly(directory: directory, options: StoreOptions(embeddingModel: embedder.modelName,
                                                                                        dimension: embedder.dimension))
        } catch let e as AegisError {
            throw EngineError(.unavailable, e.code == .mismatch ? "embedding model mismatch: \(e.message)" : "cannot open store: \(e)")
        }
        return try await AegisEngine(backend: StoreBackend(store: store), embedder: embedder, configuration: configuration)
    }

    /// The embedding model and dimension recorded in a data directory (nil for a new store).
    public static func recordedEmbeddingModel(directory: String) throws -> (name: String, dimension: Int)? {
        let store = try Store.openReadOnly(directory: directory)
        return store.read { v in v.embeddingModel.map { (name: $0, dimension: v.dimension) } }
    }
}
