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

    public init() {}

    public mutating func record(_ e: ExportError) {
        errorCount += 1
        if errors.count < ImportSummary.maxReportedErrors { errors.append(e) }
    }
}
