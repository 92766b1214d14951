/// What a read-only scan saw.
public struct LogScanReport: Sendable, Equatable {
    /// Segments visited, oldest first (sealed segments entirely below `fromLSN` are listed from
    /// their headers only: no timestamps).
    public var segments: [LogSegmentInfo] = []
    /// Records handed to the callback.
    public var recordsDelivered = 0
    /// LSN of the last complete record seen (0 if none).
    public var lastLSN: UInt64 = 0
    /// Bytes after the last complete record of the active segment that were not (yet) a
    /// complete record: a torn tail, or an append in progress.
    public var tailIgnoredBytes: Int64 = 0
    public var tailFile: String?
}

/// Read-only access to a log directory, safe beside a running writer (takes no lock, writes
/// nothing). A torn tail of the active segment ends the scan at the last complete record;
/// corruption anywhere else throws `corruption` with file, offset and LSN.
public enum LogReader {
    /// Calls `body` for every record with `fromLSN ≤ LSN ≤ throughLSN`, in LSN order, without
    /// copying payloads (the view is valid only during the call).
    @discardableResult
    public static func scan(directory: String, io: any FileIO, fromLSN: UInt64 = 0, throughLSN: UInt64 = .max,
                            maxRecordSize: Int = LogFormat.defaultMaxRecordSize,
                            body: (LogRecordView) throws -> Void) throws -> LogScanReport {
        try scanWhile(directory: directory, io: io, fromLSN: fromLSN, throughLSN: throughLSN, maxRecordSize: maxRecordSize) {
            try body($0)
            return true
        }
    }

    /// As `scan`, stopping as soon as `body` returns false (e.g. at a point-in-time target).
    @discardableResult
    public static func scanWhile(directory: String, io: any FileIO, fromLSN: UInt64 = 0, throughLSN: UInt64 = .max,
                                 maxRecordSize: Int = LogFormat.defaultMaxRecordSize,
                                 body: (LogRecordView) throws -> Bool) throws -> LogScanReport {
        var walker = LogWalker(io: io, directory: directory, mode: .reader, maxRecordSize: maxRecordSize)
        walker.fromLSN = fromLSN
        walker.throughLSN = throughLSN
        // Nothing to withhold from the closure's type system: the walker never stores it.
        let result = try withoutActuallyEscaping(body) { body in try walker.walk(body) }
        var report = LogScanReport()
        report.segments = result.segments
        report.recordsDelivered = result.delivered
        report.lastLSN = result.nextLSN == 0 ? 0 : result.nextLSN - 1
        if let tail = result.tail {
            report.tailIgnoredBytes = tail.fileSize - tail.validEnd
            report.tailFile = tail.path
        }
        return report
    }

    /// Owned copies of the records in range (convenient for tests and small tails).
    public static func records(directory: String, io: any FileIO, fromLSN: UInt64 = 0, throughLSN: UInt64 = .max,
                               maxRecordSize: Int = LogFormat.defaultMaxRecordSize) throws -> [LogRecord] {
        var out: [LogRecord] = []
        try scan(directory: directory, io: io, fromLSN: fromLSN, throughLSN: throughLSN, maxRecordSize: maxRecordSize) {
            out.append($0.record)
        }
        return out
    }

    /// Every segment with its first/last LSN and first/last commit time (reads all of them).
    public static func segments(directory: String, io: any FileIO,
                                maxRecordSize: Int = LogFormat.defaultMaxRecordSize) throws -> [LogSegmentInfo] {
        let walker = LogWalker(io: io, directory: directory, mode: .reader, maxRecordSize: maxRecordSize)
        return try walker.walk(nil).segments
    }
}
