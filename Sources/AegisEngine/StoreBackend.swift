import AegisCore
import AegisStorage

/// `EngineBackend` on the durable `AegisStorage.Store`: the engine's typed events and
/// preconditions go to `Store.commit` as they are (docs/engine.md, "Writes").
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

    public func read<T>(_ body: (any TableView) throws -> T) rethrows -> T {
        try store.read { try body(StoreTableView(v: $0)) }
    }

    public func commit(_ events: [StoreEvent], precondition: EnginePrecondition?) async throws {
        do {
            try await store.commit(events, precondition: StoreTableView.storePrecondition(precondition))
        } catch let e as AegisError {
            throw Self.map(e)
        }
    }

    /// The engine's reading of a store error (both backends).
    static func map(_ e: AegisError) -> EngineError {
        switch e.code {
        case .notFound: return EngineError(.notFound, e.message)
        case .conflict: return EngineError(.conflict, e.message)
        case .diskFull: return EngineError(.storageFull, "disk full: \(e.message)")
        case .invalidArgument, .mismatch: return EngineError(.internalError, "store rejected the change: \(e)")
        default: return EngineError(.unavailable, "store unavailable: \(e)")
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
