import AegisCore

/// Value encodings for PostgreSQL: COPY text format (what `COPY … FROM stdin` reads) and the
/// text output PostgreSQL itself produces (used for the CSV export, so ours is byte-identical to
/// the guide's `COPY (…) TO … WITH CSV HEADER` run on the same data).
public enum PostgresText {
    /// COPY text-format NULL marker.
    public static let null: [UInt8] = [0x5C, 0x4E]   // \N

    /// Appends `s` escaped for COPY text format: backslash, tab, newline, CR, backspace,
    /// form feed and vertical tab become backslash sequences; everything else (all of Unicode)
    /// passes through as UTF-8. PostgreSQL text cannot hold U+0000, so that is an error.
    public static func appendCopyText(_ s: String, to out: inout [UInt8]) throws(ExportError) {
        for b in s.utf8 {
            switch b {
            case 0x5C: out.append(0x5C); out.append(0x5C)
            case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
            case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
            case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
            case 0x0B: out.append(0x5C); out.append(UInt8(ascii: "v"))
            case 0x00: throw ExportError(.unrepresentable, "text contains U+0000, which PostgreSQL cannot store")
            default: out.append(b)
            }
        }
    }

    public static func appendCopyText(_ s: String?, to out: inout [UInt8]) throws(ExportError) {
        if let s { try appendCopyText(s, to: &out) } else { out.append(contentsOf: null) }
    }

    /// A JSON value for a `json` column (compact JSON text, then COPY-escaped). Strings inside
    /// JSON keep U+0000 as the escape `\u0000`, which the `json` type accepts.
    public static func appendCopyJSON(_ write: (inout JSONBytesWriter) -> Void, to out: inout [UInt8]) {
        var w = JSONBytesWriter(style: .compact)
        write(&w)
        for b in w.bytes {
            // Compact JSON never contains raw control bytes; only the backslash needs doubling.
            if b == 0x5C { out.append(0x5C) }
            out.append(b)
        }
    }

    /// `timestamptz` input: ISO 8601 in UTC with microseconds (`2024-01-15T10:30:00.123456Z`).
    public static func appendCopyTimestamp(_ t: Timestamp?, to out: inout [UInt8]) {
        guard let t else { out.append(contentsOf: null); return }
        out.append(contentsOf: Array(t.iso8601(zone: .z, fraction: .auto).utf8))
    }

    public static func appendCopyBool(_ b: Bool, to out: inout [UInt8]) { out.append(b ? UInt8(ascii: "t") : UInt8(ascii: "f")) }

    public static func appendCopyInt(_ i: Int64, to out: inout [UInt8]) { out.append(contentsOf: Array(String(i).utf8)) }

    /// A pgvector literal `[v1,v2,…]`. Each component is Swift's shortest round-trip float32
    /// decimal; pgvector parses it with `strtof`, so the stored float32 is bit-identical.
    public static func appendVector(_ v: [Float], to out: inout [UInt8]) throws(ExportError) {
        out.append(UInt8(ascii: "["))
        for (k, f) in v.enumerated() {
            guard f.isFinite else { throw ExportError(.unrepresentable, "embedding component \(k) is not finite (\(f)); pgvector rejects NaN/Inf", field: "embedding.\(k)") }
            if k > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: Array(f.description.utf8))
        }
        out.append(UInt8(ascii: "]"))
    }

    /// How PostgreSQL prints a `timestamptz` with `TimeZone = UTC` and `DateStyle = ISO`:
    /// `2024-01-15 10:30:00.5+00` (fraction with trailing zeros removed, none when zero).
    public static func outputTimestamp(_ t: Timestamp) -> String {
        let iso = t.iso8601(zone: .z, fraction: .micros)        // 2024-01-15T10:30:00.500000Z
        var s = iso.dropLast()                                  // drop Z
        while s.last == "0" { s = s.dropLast() }
        if s.last == "." { s = s.dropLast() }
        var out = String(s)
        if let tIndex = out.firstIndex(of: "T") { out.replaceSubrange(tIndex...tIndex, with: " ") }
        return out + "+00"
    }

    /// Appends one CSV field the way PostgreSQL's CSV output does: NULL is an empty unquoted
    /// field; the empty string is `""`; a value containing the delimiter, a quote, CR or LF (or
    /// equal to `\.`) is quoted with quotes doubled.
    public static func appendCSVField(_ s: String?, to out: inout [UInt8]) {
        guard let s else { return }
        let u = Array(s.utf8)
        let needsQuote = u.isEmpty || s == "\\." || u.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
        if !needsQuote { out.append(contentsOf: u); return }
        out.append(0x22)
        for b in u { if b == 0x22 { out.append(0x22) }; out.append(b) }
        out.append(0x22)
    }

    /// Parses pgvector's text form `[v1,v2,…]` (strtof semantics: bit-exact for what pgvector
    /// prints). Nil for anything else or a non-finite component.
    public static func parseVector(_ text: String) -> [Float]? {
        let u = text.utf8
        guard u.first == UInt8(ascii: "["), u.last == UInt8(ascii: "]") else { return nil }
        let inner = text.dropFirst().dropLast()
        if inner.allSatisfy({ $0 == " " }) { return [] }
        var out: [Float] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let t = part.trimmingPrefix(while: { $0 == " " })
            guard let f = Float(String(t.reversed().drop(while: { $0 == " " }).reversed())), f.isFinite else { return nil }
            out.append(f)
        }
        return out
    }
}
