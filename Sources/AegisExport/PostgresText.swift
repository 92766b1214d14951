import AegisCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Parses pgvector's text form `[v1,v2,…]` with `strtof` (what pgvector itself uses, so
    /// bit-exact for what it prints; spaces around components allowed). Nil for anything else
    /// or a non-finite component. One pass over the bytes, no per-component strings.
    public static func parseVector(_ text: String) -> [Float]? {
        let u = Array(text.utf8)
        guard u.count >= 2, u.first == UInt8(ascii: "["), u.last == UInt8(ascii: "]") else { return nil }
        if u.dropFirst().dropLast().allSatisfy({ $0 == 0x20 }) { return [] }
        // Only the characters a float literal can hold: strtof would otherwise accept
        // "inf", "nan" or hex floats.
        for b in u.dropFirst().dropLast() {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"),
                 UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: ","), 0x20: continue
            default: return nil
            }
        }
        var c = u.map { CChar(bitPattern: $0) }
        c[c.count - 1] = 0                              // `]` → NUL: strtof stops there
        var out: [Float] = []
        out.reserveCapacity(u.count / 8)
        let ok = c.withUnsafeMutableBufferPointer { p -> Bool in
            let base = p.baseAddress!
            let end = base + (p.count - 1)
            var cur = base + 1
            while true {
                var next: UnsafeMutablePointer<CChar>? = nil
                let f = strtof(cur, &next)
                guard let n = next, n != cur, f.isFinite else { return false }
                var q = n
                while q < end && q.pointee == 0x20 { q += 1 }
                out.append(f)
                if q == end { return true }
                guard q.pointee == CChar(UInt8(ascii: ",")) else { return false }
                cur = q + 1
            }
        }
        return ok ? out : nil
    }
}
