import Synchronization

/// What `WriteAheadLog.open` found and did.
public struct LogRecoveryReport: Sendable, Equatable {
    public var segmentCount = 0
    /// Records present in the log after recovery.
    public var recordCount = 0
    /// LSN of the oldest record present (the next LSN when the log is empty).
    public var firstLSN: UInt64 = 0
    /// LSN of the newest record (firstLSN - 1 when empty).
    public var lastLSN: UInt64 = 0
    /// Records handed to the replay callback.
    public var replayedRecords = 0
    /// Bytes cut off a torn tail (metric `wal_tail_truncated_bytes`), and where.
    public var truncatedBytes: Int64 = 0
    public var truncatedFile: String?
    public var truncatedOffset: Int64?
    public var truncationReason: String?
    /// Valid-looking records inside the dropped tail (written after the bad bytes, never fsynced
    /// before them; see docs/format.md §6).
    public var droppedValidRecords = 0
    /// `*.tmp` debris removed.
    public var removedTemporaryFiles: [String] = []
}

/// The append-only, checksummed, group-committed log (docs/format.md). One writer per
/// directory (an exclusive lock on `LOCK`); `LogReader` may read beside it.
///
/// Appends are queued and written by one flusher thread: every append waiting when it wakes
/// shares one write and one fdatasync (group commit). An append returns only when its records
/// are durable per `LogOptions.fsync`. A failed write or fsync is never acknowledged and turns
/// the log read-only (`failure`); a full disk fails the affected appends with `diskFull` and
/// rolls the file back, and later appends may succeed once space is freed.
public final class WriteAheadLog: @unchecked Sendable {
    struct Pending {
        var records: [(type: UInt8, flags: UInt8, stored: [UInt8], payload: [UInt8])]
        var bytes: Int
        var continuation: CheckedContinuation<[LogRecord], any Error>
    }

    struct Shared {
        var queue: [Pending] = []
        var queuedBytes = 0
        var syncWaiters: [CheckedContinuation<Void, any Error>] = []
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
        var failure: LogError?
        var closed = false
        var flusherExited = false
        var closeDone = false
    }

    struct ActiveSegment {
        var handle: IOHandle?
        var number: UInt64
        var path: String
        var firstLSN: UInt64
        var size: Int64
        var syncedSize: Int64
        var nextLSN: UInt64
        var lastTimestamp: Int64
        var recordCount = 0
        var firstTimestamp: Int64?
        var segmentLastTimestamp: Int64?
        var sealed: [LogSegmentInfo]
        var buffer: [UInt8] = []
    }

    public let directory: String
    public let options: LogOptions
    let io: any FileIO
    let lock = ConditionLock()
    var shared = Shared()
    let segment: Mutex<ActiveSegment>
    let lastLSNValue: Atomic<UInt64>
    let durableLSNValue: Atomic<UInt64>
    let lockHandle: IOHandle?

    init(directory: String, io: any FileIO, options: LogOptions, active: ActiveSegment, lockHandle: IOHandle?) {
        self.directory = directory
        self.io = io
        self.options = options
        self.lockHandle = lockHandle
        lastLSNValue = Atomic(active.nextLSN - 1)
        durableLSNValue = Atomic(active.nextLSN - 1)
        segment = Mutex(active)
    }

    /// LSN of the last record appended (acknowledged or being acknowledged); firstLSN - 1 when empty.
    public var lastLSN: UInt64 { lastLSNValue.load(ordering: .acquiring) }

    /// LSN up to which the log is known to be fsynced.
    public var durableLSN: UInt64 { durableLSNValue.load(ordering: .acquiring) }

    /// Why the log turned read-only (a failed write or fsync), or nil.
    public var failure: LogError? { lock.withLock { shared.failure } }

    /// Sealed segments plus the active one, oldest first.
    public var segments: [LogSegmentInfo] {
        segment.withLock { s in
            s.sealed + [LogSegmentInfo(number: s.number, fileName: IOPath.fileName(of: s.path), path: s.path, firstLSN: s.firstLSN,
                                       lastLSN: s.nextLSN - 1, recordCount: s.recordCount, firstTimestamp: s.firstTimestamp,
                                       lastTimestamp: s.segmentLastTimestamp, validBytes: s.size, isActive: true)]
        }
    }

    /// Makes everything appended so far durable (also under `interval` and `off`).
    public func sync() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            lock.lock()
            if let error = refusal() {
                lock.unlock()
                c.resume(throwing: error)
                return
            }
            shared.syncWaiters.append(c)
            lock.signal()
            lock.unlock()
        }
    }

    /// Waits for queued appends, fsyncs, closes the files and releases the directory lock.
    /// Throws the failure if the final fsync fails. Appends after close throw `readOnly`.
    public func close() async throws {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            lock.lock()
            shared.closed = true
            if shared.flusherExited {
                lock.unlock()
                c.resume()
                return
            }
            shared.exitWaiters.append(c)
            lock.signal()
            lock.unlock()
        }
        let first = lock.withLock { () -> Bool in
            defer { shared.closeDone = true }
            return !shared.closeDone
        }
        guard first else { return }
        let failed = failure
        var closeError: LogError?
        segment.withLock { s in
            guard let h = s.handle else { return }
            if failed == nil, s.syncedSize < s.size {
                do {
                    try io.fdatasync(h)
                    s.syncedSize = s.size
                    durableLSNValue.store(s.nextLSN - 1, ordering: .releasing)
                } catch let e as LogError { closeError = e } catch {}
            }
            try? io.close(h)
            s.handle = nil
        }
        if let lockHandle { try? io.close(lockHandle) }
        if let closeError { throw closeError }
    }

    /// The error an append or sync gets right now, if any (call with `lock` held).
    func refusal() -> LogError? {
        if let f = shared.failure {
            return LogError(.readOnly, "log is read-only after a failure: \(f)", file: f.file, offset: f.offset, lsn: f.lsn)
        }
        if shared.closed { return LogError(.readOnly, "log is closed", file: directory) }
        return nil
    }
}
