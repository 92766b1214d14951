/// Finds the records in an import stream without parsing them, so that memory stays bounded by
/// the largest record, not the file. Push-based: feed it chunks as they arrive (a file read loop
/// or an HTTP body), collect the events.
///
/// Accepted framings (contract §9, guide "Import Data"):
/// - NDJSON: one object per line;
/// - concatenated objects with no separator at all (`curl -d @file.jsonl` strips the newlines);
/// - a JSON array of objects (pretty-printed or not);
/// - a wrapper object whose `"memories"` member is an array of objects (the v1.2 `json` export,
///   `{"memories":[…],"stats":{…}}`); other members of the wrapper are skipped.
/// Commas between top-level objects are tolerated. Anything else at the top level is reported as
/// one error per run of bad bytes, and splitting resumes at the next `{`. A raw line break
/// inside a string (never valid JSON) ends the broken record there, so one damaged NDJSON line
/// never swallows the lines after it.
public struct RecordSplitter: Sendable {
    public enum Event: Sendable {
        /// The bytes of one complete top-level object (a record candidate).
        case record(bytes: [UInt8], index: Int, offset: Int)
        /// Something that cannot be a record; it still takes a record index.
        case error(ExportError)
    }

    public let maxRecordBytes: Int
    public private(set) var recordCount = 0
    public private(set) var bytesSeen = 0

    private enum Context { case stream, array, wrapperArray }
    private var context = Context.stream

    // The value being scanned (nil = between values).
    private struct Value {
        var depth = 0
        var inString = false
        var escape = false
        var offset: Int
        var isRecord: Bool          // an object we will emit
        var isWrapperRemainder = false
        var isScalar = false        // a non-object array element being skipped
        var buffer: [UInt8] = []
        var oversized = false
        // wrapper detection (top-level object in stream context, at depth 1)
        var keyBuf: [UInt8] = []
        var keyTooLong = false
        var lastString: [UInt8]? = nil
        var lastKey: [UInt8]? = nil
        // NDJSON resync: 1 = just after a line break, 2 = line break then `{` at column 0.
        var lineState = 0
        var braceOffset = 0
    }
    private var value: Value?
    private var garbageStart: Int?

    public init(maxRecordBytes: Int = 16 << 20) { self.maxRecordBytes = maxRecordBytes }

    private static let memoriesKey = Array("memories".utf8)

    public mutating func feed(_ chunk: some Sequence<UInt8>, into events: inout [Event]) {
        let done: Void? = chunk.withContiguousStorageIfAvailable { feedContiguous($0, &events) }
        if done == nil {
            for b in chunk {
                step(b, &events)
                bytesSeen += 1
            }
        }
    }

    /// `feed` over contiguous bytes: inside a record, runs of bytes that change nothing but the
    /// record's buffer (and a few flags) — numbers, commas, spaces, string contents — are
    /// appended in one go; every other byte takes `step`. Same events and state as byte by byte.
    private mutating func feedContiguous(_ p: UnsafeBufferPointer<UInt8>, _ events: inout [Event]) {
        var i = 0
        let n = p.count
        while i < n {
            if let run = plainRun(p, from: i), run > 0 {
                i += run
                bytesSeen += run
                continue
            }
            step(p[i], &events)
            bytesSeen += 1
            i += 1
        }
    }

    /// Consumes the run of plain bytes starting at `i` into the open record (nil or 0: none).
    private mutating func plainRun(_ p: UnsafeBufferPointer<UInt8>, from i: Int) -> Int? {
        // Field reads only: a copy of the value would make the append below copy its buffer.
        guard value?.isRecord == true, value?.oversized == false, value?.escape == false, value?.isScalar == false else { return nil }
        let inString = value!.inString
        guard !(inString && value!.depth == 1) else { return nil }   // keys are collected byte by byte
        let room = maxRecordBytes - value!.buffer.count
        let n = p.count
        var j = i
        var nonSpace = false, comma = false
        if inString {
            while j < n {
                let b = p[j]
                if b == 0x5C || b == 0x22 || b == 0x0A { break }
                j += 1
            }
        } else {
            scan: while j < n {
                switch p[j] {
                case 0x22, 0x7B, 0x7D, 0x5B, 0x5D, 0x3A, 0x0A: break scan    // " { } [ ] : newline
                case 0x2C: comma = true; nonSpace = true
                case 0x20, 0x0D, 0x09: break
                default: nonSpace = true
                }
                j += 1
            }
        }
        let run = j - i
        guard run > 0, run <= room else { return nil }
        // Take the value out so the append below never copies its buffer.
        var v = value.take()!
        v.buffer.append(contentsOf: UnsafeBufferPointer(rebasing: p[i..<j]))
        if !inString {
            if context == .stream { v.lineState = 0 }
            if nonSpace { v.lastString = nil }
            if comma { v.lastKey = nil }
        }
        value = v
        return run
    }

    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [Event] {
        var ev: [Event] = []
        feed(chunk, into: &ev)
        return ev
    }

    /// End of input: reports a truncated final record or trailing garbage.
    public mutating func finish(into events: inout [Event]) {
        flushGarbage(&events)
        if let v = value {
            if !v.isWrapperRemainder {
                events.append(.error(ExportError(.syntax, v.isScalar ? "array element is not a JSON object" : "input ends inside a record (truncated)",
                                                 record: nextIndex(), offset: v.offset)))
            }
            value = nil
        } else if context != .stream {
            events.append(.error(ExportError(.syntax, "input ends inside a JSON array (missing `]`)", record: nextIndex(), offset: bytesSeen)))
        }
        context = .stream
    }

    public mutating func finish() -> [Event] {
        var ev: [Event] = []
        finish(into: &ev)
        return ev
    }

    private mutating func nextIndex() -> Int { defer { recordCount += 1 }; return recordCount }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 }

    private mutating func flushGarbage(_ events: inout [Event]) {
        if let g = garbageStart {
            events.append(.error(ExportError(.syntax, "unexpected bytes between records (\(bytesSeen - g) bytes; expected a JSON object)",
                                             record: nextIndex(), offset: g)))
            garbageStart = nil
        }
    }

    private mutating func step(_ b: UInt8, _ events: inout [Event]) {
        if value != nil { stepInValue(b, &events); return }
        // Between values.
        if RecordSplitter.isSpace(b) {
            if b == 0x0A { flushGarbage(&events) }
            return
        }
        switch context {
        case .stream:
            switch b {
            case UInt8(ascii: "{"):
                flushGarbage(&events)
                value = Value(depth: 1, offset: bytesSeen, isRecord: true, buffer: [b])
            case UInt8(ascii: "["):
                flushGarbage(&events)
                context = .array
            case UInt8(ascii: ","):
                if garbageStart == nil { return }   // tolerated separator
            default:
                if garbageStart == nil { garbageStart = bytesSeen }
            }
        case .array, .wrapperArray:
            switch b {
            case UInt8(ascii: ","): return
            case UInt8(ascii: "]"):
                if context == .wrapperArray {
                    // Skip the rest of the wrapper object (e.g. `"stats": {…}}`).
                    value = Value(depth: 1, offset: bytesSeen, isRecord: false, isWrapperRemainder: true)
                }
                context = .stream
            case UInt8(ascii: "{"):
                value = Value(depth: 1, offset: bytesSeen, isRecord: true, buffer: [b])
            default:
                // A non-object element: skip it as one value and report it.
                var v = Value(depth: 0, offset: bytesSeen, isRecord: false, isScalar: true)
                if b == UInt8(ascii: "[") { v.depth = 1 } else if b == UInt8(ascii: "\"") { v.inString = true; v.depth = 0 }
                value = v
            }
        }
    }

    private enum Outcome { case goesOn, ended, endedReprocess, replaced(Value) }

    private mutating func stepInValue(_ b: UInt8, _ events: inout [Event]) {
        // Take the value out so appending to its buffer never copies it (no shared storage).
        guard var v = value else { return }
        value = nil
        switch advance(&v, b, &events) {
        case .goesOn: value = v
        case .ended: break
        case .endedReprocess: step(b, &events)
        case .replaced(var fresh):
            switch advance(&fresh, b, &events) {
            case .goesOn: value = fresh
            default: break
            }
        }
    }

    private mutating func advance(_ v: inout Value, _ b: UInt8, _ events: inout [Event]) -> Outcome {
        if v.isRecord && !v.oversized {
            if v.buffer.count >= maxRecordBytes { v.oversized = true; v.buffer = [] } else { v.buffer.append(b) }
        }
        if v.inString {
            if v.escape { v.escape = false; collectKeyByte(&v, b); return .goesOn }
            switch b {
            case UInt8(ascii: "\\"): v.escape = true; collectKeyByte(&v, b)
            case UInt8(ascii: "\""):
                v.inString = false
                if v.depth == 1 && !v.isScalar { v.lastString = v.keyTooLong ? nil : v.keyBuf }
                if v.isScalar && v.depth == 0 { return endScalar(v, &events) }
            case 0x0A:
                // Raw newline inside a string: the record is broken; resynchronise at this line.
                if !v.isWrapperRemainder {
                    events.append(.error(ExportError(.syntax, "line break inside a string (unterminated string?)", record: nextIndex(), offset: v.offset)))
                }
                context = .stream
                return .ended
            default: collectKeyByte(&v, b)
            }
            return .goesOn
        }
        if v.isScalar && v.depth == 0 {
            // Skipping a bare scalar element: ends at `,` or `]` or whitespace.
            if b == UInt8(ascii: ",") || RecordSplitter.isSpace(b) { return endScalar(v, &events) }
            if b == UInt8(ascii: "]") { _ = endScalar(v, &events); return .endedReprocess }
            return .goesOn
        }
        if v.isRecord && context == .stream {
            // A line starting with `{"` while a record is still open: in NDJSON that is the next
            // record, and the open one was truncated. (Pretty-printed JSON never puts a nested
            // object at column 0.)
            if v.lineState == 2 && b == UInt8(ascii: "\"") {
                events.append(.error(ExportError(.syntax, "record is incomplete (a new record starts on the next line)", record: nextIndex(), offset: v.offset)))
                return .replaced(Value(depth: 1, offset: v.braceOffset, isRecord: true, buffer: [UInt8(ascii: "{")]))
            }
            if b == 0x0A { v.lineState = 1 }
            else if v.lineState == 1 && b == UInt8(ascii: "{") { v.lineState = 2; v.braceOffset = bytesSeen }
            else { v.lineState = 0 }
        }
        switch b {
        case UInt8(ascii: "\""):
            v.inString = true
            if v.depth == 1 { v.keyBuf.removeAll(keepingCapacity: true); v.keyTooLong = false }
        case UInt8(ascii: ":"):
            if v.depth == 1, let s = v.lastString { v.lastKey = s }
            v.lastString = nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            if b == UInt8(ascii: "["), v.depth == 1, v.isRecord, context == .stream, v.lastKey == RecordSplitter.memoriesKey {
                // `{"memories": [` — a wrapper: its array elements are the records.
                context = .wrapperArray
                return .ended
            }
            v.depth += 1; v.lastString = nil; v.lastKey = nil
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            v.depth -= 1
            if v.depth == 0 { finishValue(v, &events); return .ended }
        case UInt8(ascii: ","):
            v.lastString = nil; v.lastKey = nil
        default:
            if !RecordSplitter.isSpace(b) { v.lastString = nil }
        }
        return .goesOn
    }

    private mutating func collectKeyByte(_ v: inout Value, _ b: UInt8) {
        guard v.depth == 1, !v.keyTooLong else { return }
        if v.keyBuf.count >= 16 { v.keyTooLong = true } else { v.keyBuf.append(b) }
    }

    private mutating func endScalar(_ v: Value, _ events: inout [Event]) -> Outcome {
        events.append(.error(ExportError(.invalidRecord, "array element is not a JSON object", record: nextIndex(), offset: v.offset)))
        return .ended
    }

    private mutating func finishValue(_ v: Value, _ events: inout [Event]) {
        if v.isWrapperRemainder { return }
        if v.oversized {
            events.append(.error(ExportError(.tooLarge, "record larger than \(maxRecordBytes) bytes", record: nextIndex(), offset: v.offset)))
        } else if v.isRecord {
            events.append(.record(bytes: v.buffer, index: nextIndex(), offset: v.offset))
        } else {
            events.append(.error(ExportError(.invalidRecord, "array element is not a JSON object", record: nextIndex(), offset: v.offset)))
        }
    }
}
