import AegisCore

/// A small ordered JSON writer appending UTF-8 bytes to a buffer: keys in the order written,
/// explicit `null`s, doubles in shortest round-trip form with a fraction (`1.0`, never `1`), floats
/// (embeddings) in shortest float32 form so they parse back bit-exactly.
///
/// Foundation's JSONEncoder reorders keys and drops nils on Linux, so export output never uses it.
/// (AegisHTTP has its own response writer; this one is kept local to AegisExport so the export
/// formats do not depend on the HTTP layer — candidates for merging later.)
public struct JSONBytesWriter: Sendable {
    public enum Style: Sendable {
        /// Compact, UTF-8 (FastAPI response style): `{"a":1,"b":"é"}`.
        case compact
        /// Python `json.dumps` defaults (what v1.2 wrote to export files): `{"a": 1, "b": "\u00e9"}`.
        case python
    }

    public var bytes: [UInt8] = []
    public let style: Style
    /// Whether the next value in the current container needs a separator before it.
    private var needsComma: [Bool] = []

    public init(style: Style = .compact, reserve: Int = 0) {
        self.style = style
        bytes.reserveCapacity(reserve)
    }

    /// Removes and returns what has been written so far (for streaming the output in chunks).
    public mutating func drain() -> [UInt8] {
        let out = bytes
        bytes.removeAll(keepingCapacity: true)
        return out
    }

    // MARK: containers

    public mutating func beginObject() { separate(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separate(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Writes `"key":` inside an object; the value follows with one of the value methods.
    public mutating func key(_ k: String) {
        separate()
        appendString(k)
        if style == .python { bytes.append(UInt8(ascii: ":")); bytes.append(UInt8(ascii: " ")) }
        else { bytes.append(UInt8(ascii: ":")) }
        pendingValueAfterKey = true   // the value that follows gets no separator of its own
    }
    private var pendingValueAfterKey = false

    private mutating func separate() {
        if pendingValueAfterKey { pendingValueAfterKey = false; return }
        guard !needsComma.isEmpty else { return }
        if needsComma[needsComma.count - 1] {
            bytes.append(UInt8(ascii: ","))
            if style == .python { bytes.append(UInt8(ascii: " ")) }
        } else {
            needsComma[needsComma.count - 1] = true
        }
    }

    // MARK: scalars

    public mutating func null() { separate(); bytes.append(contentsOf: [110, 117, 108, 108]) }
    public mutating func bool(_ b: Bool) { separate(); bytes.append(contentsOf: Array((b ? "true" : "false").utf8)) }
    public mutating func int(_ i: Int64) { separate(); bytes.append(contentsOf: Array(String(i).utf8)) }
    public mutating func string(_ s: String) { separate(); appendString(s) }
    public mutating func string(_ s: String?) { if let s { string(s) } else { null() } }

    /// Shortest round-trip decimal; integral values keep `.0` (Python float repr). Non-finite → null.
    public mutating func double(_ d: Double) {
        guard d.isFinite else { null(); return }
        separate()
        bytes.append(contentsOf: Array(JSONBytesWriter.format(d).utf8))
    }

    /// Shortest decimal that parses back (as float32, or as double then rounded) to exactly `f`.
    public mutating func float(_ f: Float) {
        guard f.isFinite else { null(); return }
        separate()
        bytes.append(contentsOf: Array(f.description.utf8))
    }

    public mutating func floats(_ v: [Float]) {
        beginArray()
        for f in v { float(f) }
        endArray()
    }

    public mutating func strings(_ v: [String]) {
        beginArray()
        for s in v { string(s) }
        endArray()
    }

    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let a):
            beginArray(); for e in a { value(e) }; endArray()
        case .object(let o): object(o)
        }
    }

    public mutating func object(_ o: JSONObject) {
        beginObject()
        for (k, v) in o { key(k); value(v) }
        endObject()
    }

    /// Convenience: `"key": value` pairs.
    public mutating func field(_ k: String, _ s: String?) { key(k); string(s) }
    public mutating func field(_ k: String, _ i: Int64) { key(k); int(i) }
    public mutating func field(_ k: String, _ b: Bool) { key(k); bool(b) }
    public mutating func field(_ k: String, _ t: Timestamp?, zone: Timestamp.ZoneStyle = .offset) {
        key(k); if let t { string(t.iso8601(zone: zone)) } else { null() }
    }

    static func format(_ d: Double) -> String {
        var s = d.description                         // "1.0", "0.1", "1e-05", "1.5e+20"
        if s.contains("e") {
            // Swift writes 1e+16 for 1e16; Python writes 1e+16 too — but Swift also uses
            // exponents for 1e15 where Python writes 1000000000000000.0. Both parse identically.
            return s
        }
        if !s.contains(".") { s += ".0" }
        return s
    }

    // MARK: strings

    private mutating func appendString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        if style == .python {
            for u in s.utf16 {
                switch u {
                case 0x22: bytes.append(0x5C); bytes.append(0x22)
                case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
                case 0x20...0x7E: bytes.append(UInt8(u))
                default: appendUnicodeEscape(u)
                }
            }
        } else {
            for b in s.utf8 {
                switch b {
                case 0x22: bytes.append(0x5C); bytes.append(0x22)
                case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
                case 0x00...0x1F, 0x7F: appendUnicodeEscape(UInt16(b))
                default: bytes.append(b)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendUnicodeEscape(_ u: UInt16) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        bytes.append(0x5C); bytes.append(UInt8(ascii: "u"))
        bytes.append(hex[Int(u >> 12) & 0xF]); bytes.append(hex[Int(u >> 8) & 0xF])
        bytes.append(hex[Int(u >> 4) & 0xF]); bytes.append(hex[Int(u) & 0xF])
    }
}
