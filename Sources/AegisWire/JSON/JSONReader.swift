import AegisCore

/// Why a body could not be parsed as JSON. `offset` is the byte position (FastAPI reports the
/// character position of the decode error in `loc`).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable { case invalid, tooDeep, tooManyKeys, tooManyElements }
    public var code: Code
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser into `JSONValue` with hard caps, so hostile bodies cannot
/// cause deep recursion or unbounded allocation beyond the (already size-capped) input.
/// Integers that fit Int64 stay `.int`; everything with a fraction/exponent (or too large)
/// becomes `.double`. Duplicate keys: last value wins, first position kept (Python dict).
public struct JSONReader {
    public struct Limits: Sendable {
        public var maxDepth = 64
        /// Keys in any one object.
        public var maxObjectKeys = 10_000
        /// Total values in the document (objects, arrays and scalars).
        public var maxElements = 2_000_000
        public init() {}
    }

    private let b: [UInt8]
    private var i = 0
    private var depth = 0
    private var elements = 0
    private let limits: Limits

    private init(_ bytes: [UInt8], limits: Limits) { self.b = bytes; self.limits = limits }

    /// Parses one complete JSON document (surrounding whitespace allowed).
    public static func parse(_ bytes: [UInt8], limits: Limits = Limits()) throws(JSONParseError) -> JSONValue {
        var r = JSONReader(bytes, limits: limits)
        r.skipWS()
        let v = try r.value()
        r.skipWS()
        guard r.i == r.b.count else { throw r.fail("Extra data") }
        return v
    }

    /// Parses a sequence of JSON values written back to back, with or without whitespace or
    /// newlines between them (NDJSON and concatenated objects). Calls `body` for each value
    /// with its byte range; stops at the first syntax error and throws it.
    public static func parseSequence(_ bytes: [UInt8], limits: Limits = Limits(),
                                     _ body: (JSONValue) throws -> Void) throws -> Void {
        var r = JSONReader(bytes, limits: limits)
        r.skipWS()
        while r.i < r.b.count {
            r.depth = 0
            let v = try r.value()
            try body(v)
            r.skipWS()
        }
    }

    private func fail(_ m: String, _ code: JSONParseError.Code = .invalid) -> JSONParseError {
        JSONParseError(code: code, message: m, offset: i)
    }

    private mutating func skipWS() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func count() throws(JSONParseError) {
        elements += 1
        if elements > limits.maxElements { throw fail("Too many JSON values", .tooManyElements) }
    }

    private mutating func value() throws(JSONParseError) -> JSONValue {
        guard i < b.count else { throw fail("Expecting value") }
        try count()
        switch b[i] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw fail("Expecting value")
        }
    }

    private mutating func literal(_ s: StaticString) throws(JSONParseError) {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail("Expecting value") }
        let p = s.utf8Start
        for k in 0..<n where b[i + k] != p[k] { throw fail("Expecting value") }
        i += n
    }

    private mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > limits.maxDepth { throw fail("JSON nested too deeply (max \(limits.maxDepth))", .tooDeep) }
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        try enter()
        i += 1
        var o = JSONObject()
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; depth -= 1; return .object(o) }
        while true {
            skipWS()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else {
                throw fail("Expecting property name enclosed in double quotes")
            }
            let k = try string()
            skipWS()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("Expecting ':' delimiter") }
            i += 1
            skipWS()
            let v = try value()
            o[k] = v
            if o.count > limits.maxObjectKeys { throw fail("Too many keys in one object (max \(limits.maxObjectKeys))", .tooManyKeys) }
            skipWS()
            guard i < b.count else { throw fail("Expecting ',' delimiter") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; break }
            throw fail("Expecting ',' delimiter")
        }
        depth -= 1
        return .object(o)
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        try enter()
        i += 1
        var a: [JSONValue] = []
        skipWS()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; depth -= 1; return .array(a) }
        while true {
            skipWS()
            a.append(try value())
            skipWS()
            guard i < b.count else { throw fail("Expecting ',' delimiter") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; break }
            throw fail("Expecting ',' delimiter")
        }
        depth -= 1
        return .array(a)
    }

    private mutating func string() throws(JSONParseError) -> String {
        do {
            return try JSONStringScanner.scan(b, &i, loneSurrogates: .replace)
        } catch {
            // Python `json` wording; `i` is where the problem was found.
            switch error.kind {
            case .unterminated: throw fail("Unterminated string starting at")
            case .controlCharacter: throw fail("Invalid control character at")
            case .invalidEscape: throw fail("Invalid \\escape")
            case .truncatedUnicodeEscape, .invalidUnicodeEscape, .unpairedSurrogate: throw fail("Invalid \\uXXXX escape")
            case .invalidUTF8: throw fail("Invalid UTF-8 in string")
            }
        }
    }

    private mutating func number() throws(JSONParseError) -> JSONValue {
        let start = i
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, (48...57).contains(b[i]) else { throw fail("Expecting value") }
        if b[i] == 48 { i += 1 } else { while i < b.count, (48...57).contains(b[i]) { i += 1 } }
        var isInt = true
        if i < b.count, b[i] == UInt8(ascii: ".") {
            isInt = false; i += 1
            guard i < b.count, (48...57).contains(b[i]) else { throw fail("Expecting value") }
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            isInt = false; i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, (48...57).contains(b[i]) else { throw fail("Expecting value") }
            while i < b.count, (48...57).contains(b[i]) { i += 1 }
        }
        guard i - start <= 400 else { throw fail("Number too long") }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if isInt, let v = Int64(text) { return .int(v) }
        guard let d = Double(text) else { throw fail("Invalid number") }
        return .double(d)
    }
}
