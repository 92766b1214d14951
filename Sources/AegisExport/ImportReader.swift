/// Streaming import front end: bytes in (any chunking), validated records or per-record errors
/// out. Framing per `RecordSplitter`, JSON per `JSONRecordParser`, fields per `ImportedMemory`.
/// A bad record yields an error event with its index, byte offset, field and reason, and never
/// stops the records after it.
public struct ImportReader: Sendable {
    public enum Event: Sendable {
        case memory(ImportedMemory, index: Int, offset: Int)
        case error(ExportError)
    }

    private var splitter: RecordSplitter
    private let maxDepth: Int

    public init(maxRecordBytes: Int = 16 << 20, maxDepth: Int = JSONRecordParser.defaultMaxDepth) {
        splitter = RecordSplitter(maxRecordBytes: maxRecordBytes)
        self.maxDepth = maxDepth
    }

    public var bytesRead: Int { splitter.bytesSeen }

    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [Event] {
        convert(splitter.feed(chunk))
    }

    public mutating func finish() -> [Event] { convert(splitter.finish()) }

    private func convert(_ raw: [RecordSplitter.Event]) -> [Event] {
        var out: [Event] = []
        out.reserveCapacity(raw.count)
        for e in raw {
            switch e {
            case .error(let err): out.append(.error(err))
            case .record(let bytes, let index, let offset):
                do {
                    let v = try JSONRecordParser.parse(bytes, baseOffset: offset, maxDepth: maxDepth)
                    out.append(.memory(try ImportedMemory.decode(v, index: index, offset: offset), index: index, offset: offset))
                } catch {
                    var err = error
                    if err.record == nil { err.record = index }
                    if err.offset == nil { err.offset = offset }
                    out.append(.error(err))
                }
            }
        }
        return out
    }

    /// Convenience for tests and small inputs: every event of a complete byte buffer.
    public static func readAll(_ bytes: some Sequence<UInt8>) -> [Event] {
        var r = ImportReader()
        return r.feed(bytes) + r.finish()
    }
}

/// Counts reported by an import (HTTP `POST /memories/import` and CLI `import`).
public struct ImportSummary: Sendable, Hashable {
    public var imported = 0
    /// Duplicates: the id (or, without an id, the same content for the same owner) already exists.
    public var skipped = 0
    /// Every error, in input order, up to `maxReportedErrors`; `errorCount` counts all.
    public var errors: [ExportError] = []
    public var errorCount = 0
    public static let maxReportedErrors = 1_000
    /// ACE tables (SQL dumps and `--from-postgres` only; JSON files carry memories only).
    public var votes = TableCounts()
    public var sessions = TableCounts()
    public var features = TableCounts()
    /// Stored counters that disagree with the source's vote rows (first `maxReportedErrors`).
    public var counterMismatches: [CounterMismatch] = []
    public var counterMismatchCount = 0

    public init() {}

    public mutating func record(_ e: ExportError) {
        errorCount += 1
        if errors.count < ImportSummary.maxReportedErrors { errors.append(e) }
    }
}

extension ImportSummary {
    /// Rows of one ACE table (votes, sessions, features): imported, and skipped because the row
    /// exists (session id / feature key) or its memory was skipped as a duplicate.
    public struct TableCounts: Sendable, Hashable {
        public var imported = 0
        public var skipped = 0
        public init() {}
    }
}

/// A memory whose stored counters differ from what its vote rows imply (source data). Policy
/// (docs/operations.md "Migrating from Aegis v1.2"): the stored counter is kept when it is ≥ the
/// vote count (counters without vote rows: votes cast before vote_history existed, rows deleted
/// by hand); when it is smaller, the vote count is kept (each vote row is one increment in this
/// store and no row is dropped). Every mismatch is reported, none is silently "fixed".
public struct CounterMismatch: Sendable, Hashable {
    public var projectId: String
    public var memoryId: String
    public var storedHelpful: Int64
    public var storedHarmful: Int64
    public var votedHelpful: Int64
    public var votedHarmful: Int64
    public var keptHelpful: Int64 { max(storedHelpful, votedHelpful) }
    public var keptHarmful: Int64 { max(storedHarmful, votedHarmful) }
}
