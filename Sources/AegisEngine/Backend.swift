import AegisCore
import AegisStorage

/// One durable change. A `commit` of several changes is one atomic batch record.
public enum EngineChange: Sendable {
    /// Insert or replace a memory row (full record).
    case putMemory(Memory)
    /// Hard delete a memory and its votes.
    case deleteMemory(projectId: String, id: String)
    /// Append a vote row and increment the memory's counter, setting `updated_at` to the
    /// vote's `created_at` (applied atomically by the backend, so concurrent votes are exact).
    case vote(Vote)
    /// Insert or replace a session row (unique per project + session_id).
    case putSession(SessionProgress)
    /// Insert or replace a feature row (unique per project + namespace + feature_id).
    case putFeature(FeatureRecord)
}

/// A consistent read view of the tables (what the storage engine's `StoreView` offers).
public protocol TableView {
    func memory(projectId: String, id: String) -> Memory?
    /// The memory with an empty `embedding` and `contentHash` — for responses that show
    /// neither (query results, vote counters); cheaper than `memory(projectId:id:)`.
    func memoryWithoutVector(projectId: String, id: String) -> Memory?
    /// Ids of memories with this content hash in the project (any namespace).
    func memoryIds(projectId: String, contentHash: String) -> [String]
    /// Visits the project's memories (order unspecified; `embedding` may be empty — use
    /// `memory(projectId:id:)` or `forEachMemoryWithEmbedding` for vectors); return false to stop.
    func forEachMemory(projectId: String, _ body: (Memory) throws -> Bool) rethrows
    /// Like `forEachMemory`, with embeddings.
    func forEachMemoryWithEmbedding(projectId: String, _ body: (Memory) throws -> Bool) rethrows
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

/// What the engine needs from durable storage. `AegisStorage.Store` is adapted to it; an
/// in-process, non-durable implementation exists for tests of pure engine behaviour and for
/// tools that need no persistence (`AegisEngine.inMemory`).
public protocol EngineBackend: Sendable {
    /// Appends the changes as one atomic batch and returns once durable and visible to `read`.
    func commit(_ changes: [EngineChange]) async throws
    /// Runs `body` on a consistent view of the current tables.
    func read<T>(_ body: (any TableView) throws -> T) rethrows -> T
    /// Embedding model name and dimension recorded in the store (nil for a new store).
    func embeddingModel() -> (name: String, dimension: Int)?
    /// Records the embedding model (once, for a new store).
    func recordEmbeddingModel(name: String, dimension: Int) async throws
    /// Index bytes found at start-up (from the loaded snapshot) — nil when none.
    func loadedIndexSection() -> [UInt8]?
    /// Writes a checkpoint (snapshot) carrying the opaque index section.
    func checkpoint(indexSection: [UInt8]) async throws
    /// Ids of memories whose embedding changed after the checkpointed index was taken.
    func reembeddedSinceIndex() -> Set<String>
    /// Writes are refused (e.g. after a failed fsync): the reason, or nil when writable.
    func readOnlyReason() -> String?
    /// Bytes the backend's tables hold, by component (default: none; see MemoryUsage.swift).
    func memoryUsage() -> StoreMemoryUsage
    func close() async throws
}
