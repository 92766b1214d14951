import AegisCore

/// A small ordered JSON writer for wire output (docs/api.md, "Wire format"): compact like FastAPI
/// (`,` and `:` without spaces), UTF-8 with non-ASCII left unescaped, keys in the order the
/// caller writes them, explicit `null`s, and Python-style floats (`1.0` stays `1.0`).
///
/// `<`, `>` and `&` are written as `\u003c`, `\u003e`, `\u0026` in every string, including
/// `raw` fragments, so no response body ever carries request bytes that a browser could
/// read as markup (docs/api.md, "Wire format"). The decoded values are unchanged.
///
/// Usage: `var w = JSONWriter(); w.object { o in o["id"] = .string(x); o.field("score") { $0.double(s) } }`.
/// Commas are inserted automatically.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8] = []
    /// One flag per open container: true when the next element needs a leading comma.
    private var needsComma: [Bool] = []
    private var afterKey = false

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: containers

    public mutating func beginObject() { separator(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    public mutating func endObject() { needsComma.removeLast(); bytes.append(UInt8(ascii: "}")) }
    public mutating func beginArray() { separator(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    public mutating func endArray() { needsComma.removeLast(); bytes.append(UInt8(ascii: "]")) }

    /// Writes an object key; the next value call writes its value.
    public mutating func key(_ k: String) {
        separator()
        writeQuoted(k)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    // MARK: scalars

    public mutating func null() { separator(); appendStatic("null") }
    public mutating func bool(_ b: Bool) { separator(); appendStatic(b ? "true" : "false") }
    public mutating func int(_ i: Int) { int64(Int64(i)) }
    public mutating func int64(_ i: Int64) {
        separator()
        if i < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = i.magnitude
        if m < 10 { bytes.append(UInt8(ascii: "0") + UInt8(m)); return }
        // Digits into a small stack buffer, then appended in order.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var n = 0
            while m > 0 { buf[19 - n] = UInt8(ascii: "0") + UInt8(m % 10); m /= 10; n += 1 }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[(20 - n)...]))
        }
    }
    public mutating func string(_ s: String) { separator(); writeQuoted(s) }
    public mutating func optionalString(_ s: String?) { if let s { string(s) } else { null() } }

    /// A float the way Python's `repr` writes it (`0.0`, `0.5`, `1e-05`); NaN/inf become null.
    public mutating func double(_ d: Double) {
        separator()
        bytes.append(contentsOf: JSONWriter.pythonFloat(d).utf8)
    }
    public mutating func optionalDouble(_ d: Double?) { if let d { double(d) } else { null() } }

    /// Already-encoded, valid JSON text (produced by this writer or the engine's validator).
    /// In valid JSON `<`, `>` and `&` occur only inside strings, so they are escaped here
    /// byte for byte like the writer's own strings.
    public mutating func raw(_ json: String) {
        separator()
        var json = json
        json.withUTF8 { u in
            var start = 0
            for (i, b) in u.enumerated() where JSONWriter.isMarkup(b) {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start..<i]))
                appendUnicodeEscape(b)
                start = i + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: u[start...]))
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.ffffff]Z` — 0 or 6 fraction digits (docs/api.md, "Wire format").
    public mutating func timestamp(_ t: Timestamp) {
        // Years 1...9999 written digit by digit (same text as `Timestamp.iso8601()`); others
        // through the general formatter.
        let us = t.microseconds
        var secs = us / 1_000_000, micros = us % 1_000_000
        if micros < 0 { micros += 1_000_000; secs -= 1 }
        var days = secs / 86_400, sod = secs % 86_400
        if sod < 0 { sod += 86_400; days -= 1 }
        // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        guard (1...9999).contains(y) else { string(t.iso8601()); return }
        separator()
        bytes.append(UInt8(ascii: "\""))
        digits(y, 4); bytes.append(UInt8(ascii: "-")); digits(m, 2); bytes.append(UInt8(ascii: "-")); digits(d, 2)
        bytes.append(UInt8(ascii: "T")); digits(sod / 3600, 2); bytes.append(UInt8(ascii: ":"))
        digits(sod / 60 % 60, 2); bytes.append(UInt8(ascii: ":")); digits(sod % 60, 2)
        if micros != 0 { bytes.append(UInt8(ascii: ".")); digits(micros, 6) }
        bytes.append(UInt8(ascii: "Z")); bytes.append(UInt8(ascii: "\""))
    }

    /// `v` (≥ 0) zero-padded to exactly `width` digits.
    private mutating func digits(_ v: Int64, _ width: Int) {
        var div: Int64 = 1
        for _ in 1..<width { div *= 10 }
        var v = v
        while div > 0 { bytes.append(UInt8(ascii: "0") + UInt8(v / div)); v %= div; div /= 10 }
    }
    public mutating func optionalTimestamp(_ t: Timestamp?) { if let t { timestamp(t) } else { null() } }

    public mutating func stringArray(_ a: [String]) {
        beginArray(); for s in a { string(s) }; endArray()
    }

    public mutating func value(_ v: JSONValue) {
        switch v {
        case .null: null()
        case .bool(let b): bool(b)
        case .int(let i): int64(i)
        case .double(let d): double(d)
        case .string(let s): string(s)
        case .array(let a):
            beginArray(); for e in a { value(e) }; endArray()
        case .object(let o):
            beginObject(); for (k, e) in o { key(k); value(e) }; endObject()
        }
    }
    public mutating func object(_ o: JSONObject) { value(.object(o)) }

    // MARK: helpers

    private mutating func separator() {
        if afterKey { afterKey = false; return }
        guard let last = needsComma.last else { return }
        if last { bytes.append(UInt8(ascii: ",")) } else { needsComma[needsComma.count - 1] = true }
    }

    private mutating func appendStatic(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// True for bytes that must be escaped inside a JSON string (control characters, quote,
    /// backslash, DEL) or that this writer escapes so no body reads as markup (`<`, `>`, `&`).
    @inline(__always) private static func needsEscape(_ b: UInt8) -> Bool {
        b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") || b == 0x7F || isMarkup(b)
    }

    @inline(__always) static func isMarkup(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == UInt8(ascii: "&")
    }

    /// `\u00XX` for one ASCII byte.
    private mutating func appendUnicodeEscape(_ b: UInt8) {
        bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                  JSONWriter.hex[Int(b >> 4)], JSONWriter.hex[Int(b & 15)]])
    }

    private mutating func writeQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        // Fast path: the whole string in one copy when nothing needs escaping.
        var s = s
        let done: Bool = s.withUTF8 { u in
            for b in u where JSONWriter.needsEscape(b) { return false }
            bytes.append(contentsOf: u)
            return true
        }
        if done { bytes.append(UInt8(ascii: "\"")); return }
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(b)
            case 0x0A: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "\\")); bytes.append(UInt8(ascii: "f"))
            case 0..<0x20, 0x7F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                appendUnicodeEscape(b)
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Python `repr(float)`: shortest round-trip digits; `.0` on integral values; exponent form
    /// (`1e-05`, `1e+16`) when the decimal exponent is < -4 or >= 16.
    public static func pythonFloat(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description is shortest round-trip; normalise its layout to Python's.
        let s = d.description  // e.g. "1.0", "0.5", "1e-05", "1e+16", "5e-324", "123456.789"
        // Fast path: plain positional form with 1e-4 <= |d| < 1e16 is already Python's layout
        // (Python switches to exponent form exactly outside that range).
        let a = abs(d)
        if a >= 1e-4, a < 1e16, !s.utf8.contains(UInt8(ascii: "e")), s.utf8.contains(UInt8(ascii: ".")) { return s }
        return pythonFloatLayout(s)
    }

    /// Rewrites Swift's shortest round-trip text of a finite non-zero double in Python's layout.
    package static func pythonFloatLayout(_ s: String) -> String {
        let neg = s.hasPrefix("-")
        let body = neg ? String(s.dropFirst()) : s
        // Split into digits and decimal exponent.
        var mantissa = body
        var exp = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = String(body[..<e])
            exp = Int(body[body.index(after: e)...]) ?? 0
        }
        var intPart = mantissa
        var fracPart = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = String(mantissa[..<dot]); fracPart = String(mantissa[mantissa.index(after: dot)...])
        }
        var digits = intPart + fracPart
        var pointPos = intPart.count + exp  // position of the decimal point within digits
        // strip leading zeros
        while digits.count > 1, digits.first == "0" { digits.removeFirst(); pointPos -= 1 }
        // strip trailing zeros
        while digits.count > 1, digits.last == "0" { digits.removeLast() }
        let decExp = pointPos - 1  // scientific exponent
        var out: String
        if decExp < -4 || decExp >= 16 {
            out = String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += "e" + (decExp < 0 ? "-" : "+")
            let ae = abs(decExp)
            out += ae < 10 ? "0\(ae)" : "\(ae)"
        } else if pointPos <= 0 {
            out = "0." + String(repeating: "0", count: -pointPos) + digits
        } else if pointPos >= digits.count {
            out = digits + String(repeating: "0", count: pointPos - digits.count) + ".0"
        } else {
            let i = digits.index(digits.startIndex, offsetBy: pointPos)
            out = digits[..<i] + "." + digits[i...]
        }
        return neg ? "-" + out : out
    }
}

extension JSONWriter {
    /// Renders one value as compact JSON text.
    public static func encode(_ v: JSONValue) -> String {
        var w = JSONWriter(); w.value(v); return w.string
    }
}
