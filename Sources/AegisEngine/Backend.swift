import AegisCore
import AegisStorage

/// A commit's check-then-write condition (`StorePrecondition` seen through the engine's
/// `TableView`), run by the backend's single writer right before the commit is logged: the
/// tables hold every earlier write group, `pending` the events of the commits ahead of this one
/// in its own group (logged and applied before it). A throw rejects the commit with that error.
public typealias EnginePrecondition = @Sendable (any TableView, _ pending: [StoreEvent]) throws -> Void

/// A consistent read view of the tables (what the storage engine's `StoreView` offers).
public protocol TableView {
    func memory(projectId: String, id: String) -> Memory?
    /// The memory with an empty `embedding` — for responses and mirrors that need no vector
    /// copy (query results, vote counters, the vector spaces); cheaper than `memory(projectId:id:)`.
    func memoryWithoutVector(projectId: String, id: String) -> Memory?
    /// Ids of memories with this content hash in the project (any namespace).
    func memoryIds(projectId: String, contentHash: String) -> [String]
    /// Visits the project's memories (order unspecified; `embedding` may be empty — use
    /// `memory(projectId:id:)` or `forEachMemoryWithEmbedding` for vectors); return false to stop.
    func forEachMemory(projectId: String, _ body: (Memory) throws -> Bool) rethrows
    /// Like `forEachMemory`, with embeddings.
    func forEachMemoryWithEmbedding(projectId: String, _ body: (Memory) throws -> Bool) rethrows
    /// The memory without its vector, with the stored row of its embedding (`dimension`
    /// floats, unit length); nil when the memory does not exist. The row's address stays valid
    /// and its bytes unchanged for as long as the backend is open (a re-embedding is a new
    /// row): the engine's vector spaces and graphs keep it instead of a copy (docs/engine.md,
    /// "One copy of each vector").
    func memoryHeadWithRow(projectId: String, id: String) -> (MemoryHead, UnsafePointer<Float>)?
    /// Visits the project's memories that have a stored row, with it (order unspecified).
    func forEachMemoryHeadWithRow(projectId: String, _ body: (MemoryHead, UnsafePointer<Float>) throws -> Bool) rethrows
    /// `memoryHeadWithRow` for each of `ids` (nil entries and unknown ids give nil), in parallel.
    func memoryHeadsWithRows(projectId: String, ids: [String?]) -> [(MemoryHead, UnsafePointer<Float>)?]
    func memoryCount(projectId: String) -> Int
    func session(projectId: String, sessionId: String) -> SessionProgress?
    func forEachSession(projectId: String, _ body: (SessionProgress) throws -> Bool) rethrows
    func feature(projectId: String, namespace: String, featureId: String) -> FeatureRecord?
    func forEachFeature(projectId: String, _ body: (FeatureRecord) throws -> Bool) rethrows
    func forEachVote(projectId: String, _ body: (Vote) throws -> Bool) rethrows
    /// Every project with at least one memory, session or feature.
    func projectIds() -> [String]
}

extension TableView {
    public func memoryWithoutVector(projectId: String, id: String) -> Memory? { memory(projectId: projectId, id: id) }
}

/// What the engine needs from durable storage. `AegisStorage.Store` is adapted to it
/// (`StoreBackend`); `InMemoryBackend` wraps AegisStorage's non-durable `InMemoryStore` for
/// tests of pure engine behaviour and tools that need no persistence (`AegisEngine.inMemory`).
/// The engine writes typed `StoreEvent`s; both backends read through `StoreTableView`.
public protocol EngineBackend: Sendable {
    /// Checks `precondition` and validates `events` in the backend's single writer, appends
    /// them as one atomic record and returns once durable and visible to `read`. Both backends
    /// validate and apply with AegisStorage's `StoreState` (docs/format-storage.md §3): a
    /// missing target is `.notFound`, a duplicate key `.conflict`; a precondition's own error
    /// is rethrown as it is. Nothing is written when it throws.
    func commit(_ events: [StoreEvent], precondition: EnginePrecondition?) async throws
    /// Runs `body` on a consistent view of the current tables.
    func read<T>(_ body: (any TableView) throws -> T) rethrows -> T
    /// Embedding model name and dimension recorded in the store (nil for a new store).
    func embeddingModel() -> (name: String, dimension: Int)?
    /// Records the embedding model (once, for a new store).
    func recordEmbeddingModel(name: String, dimension: Int) async throws
    /// Index bytes found at start-up (from the loaded snapshot) — nil when none.
    func loadedIndexSection() -> [UInt8]?
    /// Writes a checkpoint (snapshot) carrying the opaque index section, which reflects every
    /// commit up to `indexLSN` and none after it (see `committedLSN`).
    func checkpoint(indexSection: [UInt8], indexLSN: UInt64) async throws
    /// The LSN of the newest commit (0 = none); commits are numbered in order.
    func committedLSN() -> UInt64
    /// Ids of memories whose embedding changed after the checkpointed index was taken.
    func reembeddedSinceIndex() -> Set<String>
    /// Writes are refused (e.g. after a failed fsync): the reason, or nil when writable.
    func readOnlyReason() -> String?
    /// Bytes the backend's tables hold, by component (default: none; see MemoryUsage.swift).
    func memoryUsage() -> StoreMemoryUsage
    func close() async throws
}
