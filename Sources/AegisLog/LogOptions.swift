/// When an append is acknowledged, and so what a power loss can take (docs/format.md §7).
public enum FsyncPolicy: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Acknowledge after write + fdatasync; concurrent appenders share one (group commit). Loses nothing.
    case always
    /// Acknowledge after write; fdatasync in the background every `milliseconds`.
    /// A power loss can take the acknowledged records of the last interval.
    case interval(milliseconds: Int)
    /// Acknowledge after write; fdatasync only at rotation, `sync()` and `close()`.
    /// A power loss can take everything since then (what survives is a prefix).
    case off

    /// Parses "always", "interval=<ms>" or "off".
    public init(parsing text: String) throws {
        let t = text.lowercased()
        if t == "always" { self = .always; return }
        if t == "off" { self = .off; return }
        if t.hasPrefix("interval=") || t.hasPrefix("interval:"), let ms = Int(t.dropFirst("interval=".count)), ms >= 1, ms <= 60_000 {
            self = .interval(milliseconds: ms)
            return
        }
        throw LogError(.invalidArgument, "fsync policy must be \"always\", \"interval=<1…60000 ms>\" or \"off\", got \"\(text)\"")
    }

    public var description: String {
        switch self {
        case .always: "always"
        case .interval(let ms): "interval=\(ms)"
        case .off: "off"
        }
    }
}

/// Configuration of a `WriteAheadLog` (and the limits a reader applies).
public struct LogOptions: Sendable, Equatable {
    /// Default `.always`.
    public var fsync: FsyncPolicy = .always
    /// Target size of a segment file in bytes; default 64 MiB, 4 KiB…1 GiB.
    public var segmentSize: Int = LogFormat.defaultSegmentSize
    /// Payloads of at least this many bytes are LZ4-compressed when that makes them smaller;
    /// default 512. `Int.max` disables compression.
    public var compressionThreshold: Int = LogFormat.defaultCompressionThreshold
    /// Largest payload (before and after compression); default 64 MiB, at most 1 GiB.
    public var maxRecordSize: Int = LogFormat.defaultMaxRecordSize
    /// LSN of the first record when the directory holds no segment yet (default 1). Storage sets
    /// it to snapshot LSN + 1 when it starts a log after a restore.
    public var firstLSN: UInt64 = 1
    /// Take an exclusive lock on `<directory>/LOCK` while open (default true).
    public var lockDirectory: Bool = true
    /// Upper bound on the bytes one group commit writes at once (default 8 MiB).
    public var maxGroupBytes: Int = 8 << 20
    /// Under `always`, when fewer appenders are waiting than joined the previous group, the
    /// flusher waits up to this long for the others to come back before it writes (acknowledged
    /// writers need a moment to submit their next record; without the wait, groups alternate
    /// between 1 and N-1). Adapts down by itself when writers leave. 0 disables. Default 250 µs.
    public var groupCommitWindowMicroseconds: Int = 250

    public init(fsync: FsyncPolicy = .always, segmentSize: Int = LogFormat.defaultSegmentSize,
                compressionThreshold: Int = LogFormat.defaultCompressionThreshold,
                maxRecordSize: Int = LogFormat.defaultMaxRecordSize, firstLSN: UInt64 = 1,
                lockDirectory: Bool = true) {
        self.fsync = fsync
        self.segmentSize = segmentSize
        self.compressionThreshold = compressionThreshold
        self.maxRecordSize = maxRecordSize
        self.firstLSN = firstLSN
        self.lockDirectory = lockDirectory
    }

    public func validate() throws {
        guard (LogFormat.minSegmentSize...LogFormat.maxSegmentSize).contains(segmentSize) else {
            throw LogError(.invalidArgument, "segment size \(segmentSize) outside \(LogFormat.minSegmentSize)…\(LogFormat.maxSegmentSize)")
        }
        guard (0...LogFormat.hardMaxRecordSize).contains(maxRecordSize) else {
            throw LogError(.invalidArgument, "max record size \(maxRecordSize) outside 0…\(LogFormat.hardMaxRecordSize)")
        }
        guard compressionThreshold >= 0 else { throw LogError(.invalidArgument, "compression threshold must be ≥ 0") }
        guard firstLSN >= 1, firstLSN < UInt64.max / 2 else { throw LogError(.invalidArgument, "first LSN must be ≥ 1") }
        guard (0...100_000).contains(groupCommitWindowMicroseconds) else {
            throw LogError(.invalidArgument, "group commit window must be 0…100000 µs")
        }
        guard maxGroupBytes >= 4096 else { throw LogError(.invalidArgument, "max group bytes must be ≥ 4096") }
        if case .interval(let ms) = fsync, !(1...60_000).contains(ms) {
            throw LogError(.invalidArgument, "fsync interval \(ms) ms outside 1…60000")
        }
    }
}

/// One log record as handed to callers (payload decompressed, owned).
public struct LogRecord: Sendable, Equatable {
    public var lsn: UInt64
    public var type: UInt8
    /// Commit time, microseconds since the Unix epoch.
    public var timestamp: Int64
    public var payload: [UInt8]

    public init(lsn: UInt64, type: UInt8, timestamp: Int64, payload: [UInt8]) {
        self.lsn = lsn
        self.type = type
        self.timestamp = timestamp
        self.payload = payload
    }
}

/// A record borrowed during a scan: `payload` is valid only inside the callback (no copy).
public struct LogRecordView {
    public let lsn: UInt64
    public let type: UInt8
    public let timestamp: Int64
    public let payload: UnsafeRawBufferPointer
    /// Segment number and byte offset of the record.
    public let segment: UInt64
    public let offset: Int64

    /// An owned copy.
    public var record: LogRecord { LogRecord(lsn: lsn, type: type, timestamp: timestamp, payload: Array(payload)) }
}

/// One segment file as seen by a scan (backup and point-in-time restore use these).
public struct LogSegmentInfo: Sendable, Equatable {
    public var number: UInt64
    public var fileName: String
    public var path: String
    public var firstLSN: UInt64
    /// `firstLSN - 1` when the segment holds no record.
    public var lastLSN: UInt64
    public var recordCount: Int
    /// Commit times of the first and last record (nil when empty or not read).
    public var firstTimestamp: Int64?
    public var lastTimestamp: Int64?
    /// Bytes of valid data (header + complete records).
    public var validBytes: Int64
    /// The highest-numbered segment (the one a writer appends to).
    public var isActive: Bool
}
