import AegisCore
import AegisLog

/// The durable store: typed events in a write-ahead log, in-memory tables, snapshots.
///
/// One writer process per data directory (`open` takes `LOCK`); `openReadOnly` reads beside
/// it. Writes go through `commit` (validated, logged as one record, durable, then applied, then
/// acknowledged: read-your-writes). Reads go through `read { view in … }` and see a consistent
/// state. See docs/format-storage.md.
public final class Store: @unchecked Sendable {
    public let directory: String
    public let isReadOnly: Bool
    /// What opening found and did.
    public let openReport: StoreOpenReport
    let options: StoreOptions
    let io: any FileIO
    let lock = RWLock()
    let state: StoreState
    let wal: WriteAheadLog?
    let lockHandle: IOHandle?
    let queue = Mutex(WriteQueue())
    let checkpointBusy = Mutex(false)
    let closed = Mutex(false)

    init(directory: String, readOnly: Bool, report: StoreOpenReport, options: StoreOptions, state: StoreState,
         wal: WriteAheadLog?, lockHandle: IOHandle?) {
        self.directory = directory
        self.isReadOnly = readOnly
        self.openReport = report
        self.options = options
        self.io = options.io
        self.state = state
        self.wal = wal
        self.lockHandle = lockHandle
    }

    var logDirectory: String { IOPath.join(directory, StorageFormat.logDirectory) }
    var snapshotDirectory: String { IOPath.join(directory, StorageFormat.snapshotDirectory) }
    var manifestPath: String { IOPath.join(directory, StorageFormat.manifestFileName) }

    /// Runs `body` with a consistent view of the state (readers run concurrently; a commit's
    /// apply waits for them). `body` must not suspend or let the view escape.
    public func read<T>(_ body: (StoreView) throws -> T) rethrows -> T {
        try lock.withReadLock { try body(StoreView(state: state)) }
    }

    /// LSN of the last applied commit.
    public var lastLSN: UInt64 { lock.withReadLock { state.lastLSN } }

    /// Why the store refuses writes (a failed log write or fsync), or nil when healthy.
    public var failure: AegisError? { queue.withLock { $0.failure } }

    /// Waits for queued commits, syncs and closes the log, releases the lock. Later commits
    /// throw `unavailable`.
    public func close() async throws {
        let first = closed.withLock { c -> Bool in defer { c = true }; return !c }
        guard first else { return }
        queue.withLock { $0.closing = true }
        await waitForIdle()
        var err: (any Error)?
        if let wal {
            do { try await wal.close() } catch { err = error }
        }
        if let lockHandle { try? io.close(lockHandle) }
        if let err { throw Store.map(err) }
    }

    /// Maps lower-layer errors into the AegisError vocabulary.
    static func map(_ error: any Error) -> AegisError {
        if let e = error as? AegisError { return e }
        if let e = error as? LogError {
            let loc = AegisError.Location(file: e.file, offset: e.offset, lsn: e.lsn)
            switch e.code {
            case .corruption: return AegisError(.corruption, e.message, location: loc)
            case .diskFull: return AegisError(.diskFull, e.message, location: loc)
            case .readOnly: return AegisError(.unavailable, e.message, location: loc)
            case .unsupportedVersion: return AegisError(.unsupportedVersion, e.message, location: loc)
            case .invalidArgument: return AegisError(.invalidArgument, e.message, location: loc)
            case .locked: return AegisError(.locked, e.message, location: loc)
            case .notFound: return AegisError(.notFound, e.message, location: loc)
            default: return AegisError(.io, e.description, location: loc)
            }
        }
        return AegisError(.internal, String(describing: error))
    }
}
