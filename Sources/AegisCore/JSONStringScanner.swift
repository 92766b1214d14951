/// The one decoder of JSON string literals (RFC 8259 §7), shared by the HTTP body reader and
/// the import parser. Each maps `Failure` to its own error vocabulary (the HTTP reader speaks
/// Python's `json` messages, import speaks ExportError) and chooses what a lone UTF-16
/// surrogate escape becomes: HTTP replaces it with U+FFFD (Python accepts it, Swift strings
/// cannot hold it); import rejects it (PostgreSQL could not store it either).
public enum JSONStringScanner {
    public enum LoneSurrogates: Sendable { case replace, reject }

    public struct Failure: Error, Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case unterminated, controlCharacter, invalidEscape
            case truncatedUnicodeEscape, invalidUnicodeEscape, unpairedSurrogate, invalidUTF8
        }
        public var kind: Kind
        /// Byte offset of the problem (for `invalidUTF8`: where the string's content starts).
        public var offset: Int
    }

    /// Decodes the literal whose opening quote is at `i`; returns with `i` just past the closing
    /// quote (also for `invalidUTF8`). On any other failure `i` is where the problem was found.
    public static func scan(_ b: [UInt8], _ i: inout Int, loneSurrogates: LoneSurrogates) throws(Failure) -> String {
        i += 1  // opening quote
        let start = i
        // Fast path: no escapes.
        while i < b.count, b[i] != UInt8(ascii: "\""), b[i] != UInt8(ascii: "\\"), b[i] >= 0x20 { i += 1 }
        if i < b.count, b[i] == UInt8(ascii: "\"") {
            let s = b[start..<i]
            i += 1
            guard let str = String(validating: s, as: UTF8.self) else { throw Failure(kind: .invalidUTF8, offset: start) }
            return str
        }
        var out: [UInt8] = Array(b[start..<i])
        while true {
            guard i < b.count else { throw Failure(kind: .unterminated, offset: i) }
            let c = b[i]
            if c == UInt8(ascii: "\"") { i += 1; break }
            if c < 0x20 { throw Failure(kind: .controlCharacter, offset: i) }
            if c != UInt8(ascii: "\\") { out.append(c); i += 1; continue }
            i += 1
            guard i < b.count else { throw Failure(kind: .unterminated, offset: i) }
            let e = b[i]; i += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let scalar = try unicodeEscape(b, &i, loneSurrogates: loneSurrogates)
                UTF8.encode(scalar) { out.append($0) }
            default: throw Failure(kind: .invalidEscape, offset: i)
            }
        }
        guard let str = String(validating: out, as: UTF8.self) else { throw Failure(kind: .invalidUTF8, offset: start) }
        return str
    }

    /// The scalar of a `\uXXXX` escape (its `\u` already consumed), joining a surrogate pair.
    static func unicodeEscape(_ b: [UInt8], _ i: inout Int, loneSurrogates: LoneSurrogates) throws(Failure) -> Unicode.Scalar {
        var cp = try hex4(b, &i)
        let lone: Bool
        if (0xD800...0xDBFF).contains(cp), i + 1 < b.count, b[i] == UInt8(ascii: "\\"), b[i + 1] == UInt8(ascii: "u") {
            let save = i
            i += 2
            let lo = try hex4(b, &i)
            if (0xDC00...0xDFFF).contains(lo) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
                lone = false
            } else {
                lone = true
                i = save  // the second escape is decoded on its own
            }
        } else {
            lone = (0xD800...0xDFFF).contains(cp)
        }
        if lone {
            if loneSurrogates == .reject { throw Failure(kind: .unpairedSurrogate, offset: i) }
            return "\u{FFFD}"
        }
        guard let scalar = Unicode.Scalar(cp) else { throw Failure(kind: .invalidUnicodeEscape, offset: i) }
        return scalar
    }

    static func hex4(_ b: [UInt8], _ i: inout Int) throws(Failure) -> UInt32 {
        guard i + 4 <= b.count else { throw Failure(kind: .truncatedUnicodeEscape, offset: i) }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 48...57: d = UInt32(c - 48)
            case 65...70: d = UInt32(c - 55)
            case 97...102: d = UInt32(c - 87)
            default: throw Failure(kind: .invalidUnicodeEscape, offset: i)
            }
            v = v << 4 | d; i += 1
        }
        return v
    }
}
