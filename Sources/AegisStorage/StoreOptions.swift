import AegisCore
import AegisLog

/// How a `Store` is opened.
public struct StoreOptions: Sendable {
    /// File access (tests pass a `FaultInjectingFileIO`).
    public var io: any FileIO
    /// The write-ahead log's options (fsync policy, segment size, …).
    public var log: LogOptions
    /// Embedding model and dimension the caller will write. Recorded in a new store; a store
    /// holding a different model or dimension fails to open with `mismatch`. nil = accept what
    /// the store holds.
    public var embeddingModel: String?
    public var dimension: Int?
    /// Move log segments below the oldest retained snapshot to `archive/` instead of deleting
    /// them (point-in-time restore needs them).
    public var keepLogForBackup: Bool
    /// Snapshots kept (the newest plus fallbacks); ≥ 1, default 2.
    public var retainedSnapshots: Int
    /// LZ4-compress snapshot record blocks (default true).
    public var compressSnapshots: Bool
    /// Collect the events replayed after the snapshot's index section (see
    /// `StoreOpenReport.indexCatchUp`); turn off when the caller rebuilds its index anyway.
    public var collectIndexCatchUp: Bool
    /// Most commits written as one group (one fsync).
    public var maxGroupCommits: Int

    public init(io: any FileIO = PosixFileIO(), log: LogOptions = LogOptions(), embeddingModel: String? = nil,
                dimension: Int? = nil, keepLogForBackup: Bool = false, retainedSnapshots: Int = 2,
                compressSnapshots: Bool = true, collectIndexCatchUp: Bool = true, maxGroupCommits: Int = 512) {
        self.io = io; self.log = log; self.embeddingModel = embeddingModel; self.dimension = dimension
        self.keepLogForBackup = keepLogForBackup; self.retainedSnapshots = retainedSnapshots
        self.compressSnapshots = compressSnapshots; self.collectIndexCatchUp = collectIndexCatchUp
        self.maxGroupCommits = maxGroupCommits
    }

    public func validate() throws {
        guard retainedSnapshots >= 1, retainedSnapshots <= StorageFormat.maxManifestEntries else {
            throw AegisError.invalidArgument("retainedSnapshots", "must be 1…\(StorageFormat.maxManifestEntries)")
        }
        guard maxGroupCommits >= 1 else { throw AegisError.invalidArgument("maxGroupCommits", "must be ≥ 1") }
        if (embeddingModel == nil) != (dimension == nil) {
            throw AegisError.invalidArgument("embeddingModel", "give both the embedding model and the dimension, or neither")
        }
        if let d = dimension, !(1...65_536).contains(d) { throw AegisError.invalidArgument("dimension", "must be 1…65536") }
        if let m = embeddingModel, m.isEmpty || m.utf8.count > StorageFormat.maxModelNameBytes {
            throw AegisError.invalidArgument("embeddingModel", "must be 1…\(StorageFormat.maxModelNameBytes) bytes")
        }
        do { try log.validate() } catch let e as LogError { throw AegisError.invalidArgument("log", e.message) }
    }
}

/// One replayed commit (LSN, commit time, its events).
public struct ReplayedCommit: Sendable, Equatable {
    public var lsn: UInt64
    public var timestamp: Int64
    public var events: [StoreEvent]
}

/// What `Store.open` / `openReadOnly` found and did.
public struct StoreOpenReport: Sendable {
    /// The snapshot the state started from (nil = empty state at LSN 0).
    public var snapshot: SnapshotInfo?
    /// Snapshots that were refused, with why (damaged, missing, half-written, log gap).
    public var skippedSnapshots: [String] = []
    /// The opaque index bytes of the loaded snapshot and the LSN they reflect.
    public var indexSection: [UInt8]?
    public var indexLSN: UInt64?
    /// Commits after `indexLSN` (or after the snapshot when it has no index), in LSN order, for
    /// bringing a vector index up to date. nil when not collected or when the log no longer
    /// holds them (then rebuild the index from the state).
    public var indexCatchUp: [ReplayedCommit]?
    /// Log records replayed on top of the snapshot.
    public var replayedRecords = 0
    /// Events that could not apply during replay (0 in a healthy store).
    public var skippedEvents = 0
    /// The log's own recovery report (writer opens only).
    public var log: LogRecoveryReport?
    /// Bytes a read-only open ignored at the log's end (a write in progress or a torn tail).
    public var logTailIgnoredBytes: Int64 = 0
    /// `*.tmp` debris removed from the data directory and `snapshots/`.
    public var removedDebris: [String] = []
    /// LSN of the last commit in the recovered state.
    public var lastLSN: UInt64 = 0
    /// Wall time the open took, microseconds.
    public var durationMicros: Int64 = 0
}
