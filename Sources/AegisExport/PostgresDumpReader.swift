import AegisCore

/// Reads memories out of SQL text that holds a `COPY memories (…) FROM stdin;` block: a file
/// written by `export --format pgsql`, or `pg_dump` (plain format) of an Aegis v1.2 database —
/// ORM schema (`metadata`) or migration schema (`metadata_json`). Push-based like
/// `ImportReader`: feed chunks, get one event per row of the memories table; everything else in
/// the file (DDL, other tables) is skipped. Rows become import records through the same
/// validation as JSON files (`ImportedMemory.decode`).
public struct PostgresDumpReader: Sendable {
    private var line: [UInt8] = []
    private var columns: [String]?       // inside `COPY memories (…) FROM stdin;`
    private var rowIndex = 0
    private var offset = 0
    private var lineStart = 0
    public let maxLineBytes: Int
    private var oversized = false

    public init(maxLineBytes: Int = 64 << 20) { self.maxLineBytes = maxLineBytes }

    static let jsonColumns: Set<String> = ["metadata", "metadata_json", "shared_with_agents", "derived_from_agents",
                                            "coordination_metadata", "applicable_contexts"]
    static let boolColumns: Set<String> = ["is_deprecated"]
    static let intColumns: Set<String> = ["bullet_helpful", "bullet_harmful"]

    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [ImportReader.Event] {
        var out: [ImportReader.Event] = []
        for b in chunk {
            offset += 1
            if b == 0x0A { handleLine(&out); line.removeAll(keepingCapacity: true); oversized = false; lineStart = offset; continue }
            if line.count >= maxLineBytes { oversized = true; continue }
            line.append(b)
        }
        return out
    }

    public mutating func finish() -> [ImportReader.Event] {
        var out: [ImportReader.Event] = []
        if !line.isEmpty { handleLine(&out); line.removeAll() }
        if columns != nil {
            out.append(.error(ExportError(.syntax, "input ends inside the COPY memories block (missing \\.)", record: rowIndex, offset: offset)))
            columns = nil
        }
        return out
    }

    private mutating func handleLine(_ out: inout [ImportReader.Event]) {
        guard let cols = columns else {
            // `COPY memories (a, b, …) FROM stdin;` or `COPY public.memories (…) FROM stdin;`
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasPrefix("COPY "), text.hasSuffix("FROM stdin;") else { return }
            let rest = text.dropFirst(5)
            guard let open = rest.firstIndex(of: "("), let close = rest.firstIndex(of: ")") else { return }
            let table = rest[..<open].trimmingPrefixSpaces
            guard table == "memories" || table.hasSuffix(".memories") else { return }
            columns = rest[rest.index(after: open)..<close].split(separator: ",").map { $0.trimmingPrefixSpaces.replacingQuotes }
            return
        }
        if line == [0x5C, 0x2E] { columns = nil; return }   // \.
        defer { rowIndex += 1 }
        if oversized {
            out.append(.error(ExportError(.tooLarge, "row longer than \(maxLineBytes) bytes", record: rowIndex, offset: lineStart))); return
        }
        let fields = line.split(separator: 0x09, omittingEmptySubsequences: false)
        guard fields.count == cols.count else {
            out.append(.error(ExportError(.syntax, "row has \(fields.count) fields, COPY header lists \(cols.count)", record: rowIndex, offset: lineStart))); return
        }
        var obj = JSONObject()
        do {
            for (name, raw) in zip(cols, fields) {
                guard let text = try Self.unescape(raw) else { obj[name] = .null; continue }
                if Self.jsonColumns.contains(name) {
                    obj[name] = try JSONRecordParser.parse(Array(text.utf8))
                } else if Self.boolColumns.contains(name) {
                    obj[name] = .bool(text == "t" || text == "true")
                } else if Self.intColumns.contains(name), let i = Int64(text) {
                    obj[name] = .int(i)
                } else {
                    obj[name] = .string(text)
                }
            }
            out.append(.memory(try ImportedMemory.decode(.object(obj), index: rowIndex, offset: lineStart), index: rowIndex, offset: lineStart))
        } catch {
            var e = error
            e.record = rowIndex; e.offset = lineStart
            out.append(.error(e))
        }
    }

    /// COPY text format field: `\N` = NULL; backslash escapes `\b \f \n \r \t \v \\`, octal
    /// `\ooo` and hex `\xhh` (bytes), any other `\c` = `c`.
    static func unescape(_ raw: ArraySlice<UInt8>) throws(ExportError) -> String? {
        if raw.count == 2, raw.first == 0x5C, raw.last == UInt8(ascii: "N") { return nil }
        guard raw.contains(0x5C) else {
            guard let s = String(validating: raw, as: UTF8.self) else { throw ExportError(.syntax, "field is not valid UTF-8") }
            return s
        }
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let c = raw[i]; i += 1
            guard c == 0x5C, i < raw.endIndex else { out.append(c); continue }
            let e = raw[i]; i += 1
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var v = Int(e - 48)
                var n = 1
                while n < 3, i < raw.endIndex, raw[i] >= 48, raw[i] <= 55 { v = v * 8 + Int(raw[i] - 48); i += 1; n += 1 }
                out.append(UInt8(truncatingIfNeeded: v))
            case UInt8(ascii: "x"):
                var v = 0, n = 0
                while n < 2, i < raw.endIndex, let d = Int(String(UnicodeScalar(raw[i])), radix: 16) { v = v * 16 + d; i += 1; n += 1 }
                out.append(UInt8(v))
            default: out.append(e)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw ExportError(.syntax, "field is not valid UTF-8") }
        return s
    }
}

private extension Substring {
    var trimmingPrefixSpaces: Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
    var replacingQuotes: String { String(self.filter { $0 != "\"" }) }
}
