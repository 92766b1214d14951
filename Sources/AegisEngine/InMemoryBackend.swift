import AegisCore
import AegisStorage

/// Non-durable tables in process memory, used by unit tests of engine rules and by
/// `AegisEngine.inMemory`; never used by `serve`. A thin wrapper over AegisStorage's
/// `InMemoryStore`, which validates and applies events with the durable store's own
/// `StoreState` code: the two backends have one semantics (checked by
/// `BackendDifferentialTests`).
public final class InMemoryBackend: EngineBackend, @unchecked Sendable {
    let store = InMemoryStore()
    private let indexSection = Locked<[UInt8]?>(nil)
    private let checkpointedLSN = Locked<UInt64>(0)
    private let readOnly = Locked<String?>(nil)

    public init() {}

    public func commit(_ events: [StoreEvent], precondition: EnginePrecondition?) async throws {
        if let why = readOnlyReason() { throw EngineError(.unavailable, "store is read-only: \(why)") }
        do {
            try store.commit(events, precondition: StoreTableView.storePrecondition(precondition))
        } catch let e as AegisError {
            throw StoreBackend.map(e)
        }
    }

    public func read<T>(_ body: (any TableView) throws -> T) rethrows -> T {
        try store.read { try body(StoreTableView(v: $0)) }
    }

    public func embeddingModel() -> (name: String, dimension: Int)? {
        store.read { v in v.embeddingModel.map { (name: $0, dimension: v.dimension) } }
    }
    public func recordEmbeddingModel(name: String, dimension: Int) async throws {
        do { try store.commit([.config(embeddingModel: name, dimension: dimension)]) } catch let e as AegisError { throw StoreBackend.map(e) }
    }
    public func loadedIndexSection() -> [UInt8]? { indexSection.withLock { $0 } }
    public func checkpoint(indexSection section: [UInt8], indexLSN: UInt64) async throws {
        indexSection.withLock { $0 = section }
        checkpointedLSN.withLock { $0 = indexLSN }
    }
    public func committedLSN() -> UInt64 { store.read { $0.lastLSN } }
    /// The LSN the last checkpointed index reflects (tests).
    public var checkpointedIndexLSN: UInt64 { checkpointedLSN.withLock { $0 } }
    public func readOnlyReason() -> String? { readOnly.withLock { $0 } }
    public func reembeddedSinceIndex() -> Set<String> { [] }
    /// Test hook: make writes fail as after a failed fsync.
    public func setReadOnly(_ reason: String?) { readOnly.withLock { $0 = reason } }
    public func close() async throws {}
}
