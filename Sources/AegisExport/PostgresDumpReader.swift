import AegisCore

/// Reads the Aegis tables out of SQL text that holds `COPY <table> (…) FROM stdin;` blocks: a
/// file written by `export --format pgsql`, `pg_dump` (plain format) of an Aegis v1.2 database —
/// ORM schema (`metadata`, `completed_count`, `completed_at`) or migration schema
/// (`metadata_json`, neither counter column) — or the COPY stream `import --from-postgres`
/// builds. Push-based like `ImportReader`: feed chunks, get one event per row of `memories`,
/// `vote_history`, `session_progress` and `feature_tracker` (tables outside `tables` are skipped
/// without decoding); everything else in the file (DDL, other tables) is ignored. Memory rows go
/// through the same validation as JSON files (`ImportedMemory.decode`), the other tables through
/// `ImportedRows`.
public struct PostgresDumpReader: Sendable {
    public enum Table: String, Sendable, Hashable, CaseIterable {
        case memories, votes = "vote_history", sessions = "session_progress", features = "feature_tracker"
    }
    public enum Event: Sendable {
        /// A COPY block of this table starts (the source has the table, maybe with no rows).
        case table(Table)
        case memory(ImportedMemory, index: Int, offset: Int)
        case vote(Vote, index: Int, offset: Int)
        case session(SessionProgress, index: Int, offset: Int)
        case feature(FeatureRecord, index: Int, offset: Int)
        case error(ExportError)
    }

    private var line: [UInt8] = []
    private var table: Table?
    private var columns: [String]?       // inside `COPY <table> (…) FROM stdin;`
    private var rowIndex: [Table: Int] = [:]
    private var offset = 0
    private var lineStart = 0
    public let maxLineBytes: Int
    public let tables: Set<Table>
    private var oversized = false

    public init(maxLineBytes: Int = 64 << 20, tables: Set<Table> = Set(Table.allCases)) {
        self.maxLineBytes = maxLineBytes
        self.tables = tables
    }

    static let jsonColumns: Set<String> = ["metadata", "metadata_json", "shared_with_agents", "derived_from_agents",
                                            "coordination_metadata", "applicable_contexts", "completed_items",
                                            "next_items", "blocked_items", "test_steps"]
    static let boolColumns: Set<String> = ["is_deprecated", "passes"]
    static let intColumns: Set<String> = ["bullet_helpful", "bullet_harmful", "total_items", "completed_count"]

    public mutating func feed(_ chunk: some Sequence<UInt8>) -> [Event] {
        var out: [Event] = []
        for b in chunk {
            offset += 1
            if b == 0x0A { handleLine(&out); line.removeAll(keepingCapacity: true); oversized = false; lineStart = offset; continue }
            if line.count >= maxLineBytes { oversized = true; continue }
            line.append(b)
        }
        return out
    }

    public mutating func finish() -> [Event] {
        var out: [Event] = []
        if !line.isEmpty { handleLine(&out); line.removeAll() }
        if columns != nil, let t = table {
            out.append(.error(ExportError(.syntax, "input ends inside the COPY \(t.rawValue) block (missing \\.)", record: rowIndex[t, default: 0], offset: offset)))
            columns = nil
        }
        return out
    }

    private mutating func handleLine(_ out: inout [Event]) {
        guard let cols = columns, let t = table else {
            // `COPY memories (a, b, …) FROM stdin;` or `COPY public.memories (…) FROM stdin;`
            guard line.count > 5, line.starts(with: Self.copyPrefix) else { return }
            let text = String(decoding: line, as: UTF8.self)
            guard text.hasSuffix("FROM stdin;") else { return }
            let rest = text.dropFirst(5)
            guard let open = rest.firstIndex(of: "("), let close = rest.firstIndex(of: ")") else { return }
            let name = String(rest[..<open].trimmingPrefixSpaces.replacingQuotes)
            let bare = name.split(separator: ".").last.map(String.init) ?? name
            guard let found = Table(rawValue: bare) else { return }
            table = found
            columns = rest[rest.index(after: open)..<close].split(separator: ",").map { $0.trimmingPrefixSpaces.replacingQuotes }
            if tables.contains(found) { out.append(.table(found)) }
            return
        }
        if line == [0x5C, 0x2E] { columns = nil; table = nil; return }   // \.
        guard tables.contains(t) else { return }
        let index = rowIndex[t, default: 0]
        rowIndex[t] = index + 1
        if oversized {
            out.append(.error(ExportError(.tooLarge, "\(t.rawValue) row longer than \(maxLineBytes) bytes", record: index, offset: lineStart))); return
        }
        let fields = line.split(separator: 0x09, omittingEmptySubsequences: false)
        guard fields.count == cols.count else {
            out.append(.error(ExportError(.syntax, "\(t.rawValue) row has \(fields.count) fields, COPY header lists \(cols.count)", record: index, offset: lineStart))); return
        }
        var obj = JSONObject()
        do throws(ExportError) {
            for (name, raw) in zip(cols, fields) {
                guard let text = try Self.unescape(raw) else { obj[name] = .null; continue }
                if Self.jsonColumns.contains(name) {
                    do throws(ExportError) { obj[name] = try JSONRecordParser.parse(Array(text.utf8)) } catch { var e = error; e.field = name; throw e }
                } else if Self.boolColumns.contains(name) {
                    obj[name] = .bool(text == "t" || text == "true")
                } else if Self.intColumns.contains(name), let i = Int64(text) {
                    obj[name] = .int(i)
                } else {
                    obj[name] = .string(text)
                }
            }
            switch t {
            case .memories:
                Self.foldMigrationColumns(&obj)
                out.append(.memory(try ImportedMemory.decode(.object(obj), index: index, offset: lineStart), index: index, offset: lineStart))
            case .votes: out.append(.vote(try ImportedRows.vote(obj), index: index, offset: lineStart))
            case .sessions: out.append(.session(try ImportedRows.session(obj), index: index, offset: lineStart))
            case .features: out.append(.feature(try ImportedRows.feature(obj), index: index, offset: lineStart))
            }
        } catch {
            var e = error
            e.record = index; e.offset = lineStart
            if t != .memories { e.message = "\(t.rawValue): " + e.message }
            out.append(.error(e))
        }
    }

    private static let copyPrefix = Array("COPY ".utf8)

    /// The migration schema (001+002) keeps `deprecation_reason`, `correct_approach` and
    /// `applicable_contexts` as columns; v1.2 (and this server) keep them in `metadata`. Non-null
    /// values are moved into the metadata object (without overwriting a key it already has).
    static func foldMigrationColumns(_ obj: inout JSONObject) {
        let extra = ["deprecation_reason", "correct_approach", "applicable_contexts"].compactMap { k -> (String, JSONValue)? in
            guard let v = obj[k], !v.isNull else { return nil }
            if k == "applicable_contexts", let a = v.arrayValue, a.isEmpty { return nil }
            return (k, v)
        }
        guard !extra.isEmpty else { return }
        let key = obj["metadata"] != nil ? "metadata" : "metadata_json"
        var meta = obj[key]?.objectValue ?? JSONObject()
        for (k, v) in extra where meta[k] == nil { meta[k] = v }
        obj[key] = .object(meta)
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
