import AegisCore

/// Parses one complete JSON value (a record found by `RecordSplitter`) into `JSONValue`.
/// Strict JSON (RFC 8259): no comments, no trailing commas, no NaN. Integers that fit Int64 stay
/// integers; other numbers are doubles. Strings must be valid UTF-8; `\u` escapes must form valid
/// scalars (lone surrogates are rejected — PostgreSQL could not store them either).
/// Nesting is capped (`maxDepth`), so hostile input cannot exhaust the stack.
public struct JSONRecordParser {
    public static let defaultMaxDepth = 64

    private let b: [UInt8]
    private var i = 0
    private let maxDepth: Int
    private let base: Int

    /// Parses `bytes` as exactly one JSON value surrounded by optional whitespace.
    /// `baseOffset` is added to reported offsets (the record's position in the whole input).
    public static func parse(_ bytes: [UInt8], baseOffset: Int = 0, maxDepth: Int = defaultMaxDepth) throws(ExportError) -> JSONValue {
        var p = JSONRecordParser(b: bytes, maxDepth: maxDepth, base: baseOffset)
        p.skipSpace()
        let v = try p.parseValue(depth: 0)
        p.skipSpace()
        guard p.i == bytes.count else { throw p.fail("unexpected data after the JSON value") }
        return v
    }

    private init(b: [UInt8], maxDepth: Int, base: Int) { self.b = b; self.maxDepth = maxDepth; self.base = base }

    private func fail(_ msg: String) -> ExportError { ExportError(.syntax, msg, offset: base + i) }

    private mutating func skipSpace() {
        while i < b.count, b[i] == 0x20 || b[i] == 0x0A || b[i] == 0x0D || b[i] == 0x09 { i += 1 }
    }

    private mutating func parseValue(depth: Int) throws(ExportError) -> JSONValue {
        guard i < b.count else { throw fail("unexpected end of record") }
        switch b[i] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw fail("unexpected character '\(Unicode.Scalar(b[i]))'")
        }
    }

    private mutating func literal(_ s: StaticString) throws(ExportError) {
        let n = s.utf8CodeUnitCount
        guard i + n <= b.count else { throw fail("invalid literal") }
        let p = s.utf8Start
        for k in 0..<n where b[i + k] != p[k] { throw fail("invalid literal") }
        i += n
    }

    private mutating func parseObject(depth: Int) throws(ExportError) -> JSONValue {
        guard depth <= maxDepth else { throw ExportError(.tooLarge, "nesting deeper than \(maxDepth)", offset: base + i) }
        i += 1
        var obj = JSONObject()
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "}") { i += 1; return .object(obj) }
        while true {
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: "\"") else { throw fail("expected a string key") }
            let k = try parseString()
            skipSpace()
            guard i < b.count, b[i] == UInt8(ascii: ":") else { throw fail("expected ':' after key") }
            i += 1
            skipSpace()
            obj[k] = try parseValue(depth: depth)
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of record inside an object") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "}") { i += 1; return .object(obj) }
            throw fail("expected ',' or '}' in an object")
        }
    }

    private mutating func parseArray(depth: Int) throws(ExportError) -> JSONValue {
        guard depth <= maxDepth else { throw ExportError(.tooLarge, "nesting deeper than \(maxDepth)", offset: base + i) }
        i += 1
        var arr: [JSONValue] = []
        skipSpace()
        if i < b.count, b[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
        while true {
            skipSpace()
            arr.append(try parseValue(depth: depth))
            skipSpace()
            guard i < b.count else { throw fail("unexpected end of record inside an array") }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            if b[i] == UInt8(ascii: "]") { i += 1; return .array(arr) }
            throw fail("expected ',' or ']' in an array")
        }
    }

    private mutating func parseNumber() throws(ExportError) -> JSONValue {
        let start = i
        var isInt = true
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard i < b.count, b[i] >= 48, b[i] <= 57 else { throw fail("invalid number") }
        if b[i] == 48 { i += 1 } else { while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 } }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            isInt = false; i += 1
            guard i < b.count, b[i] >= 48, b[i] <= 57 else { throw fail("invalid number (digit expected after '.')") }
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            isInt = false; i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard i < b.count, b[i] >= 48, b[i] <= 57 else { throw fail("invalid number (exponent digits expected)") }
            while i < b.count, b[i] >= 48, b[i] <= 57 { i += 1 }
        }
        guard i - start <= 400 else { throw fail("number literal too long") }
        let text = String(decoding: b[start..<i], as: UTF8.self)
        if isInt, let v = Int64(text) { return .int(v) }
        guard let d = Double(text) else { throw fail("invalid number") }
        return .double(d)
    }

    private mutating func parseString() throws(ExportError) -> String {
        do {
            return try JSONStringScanner.scan(b, &i, loneSurrogates: .reject)
        } catch {
            let message: String
            switch error.kind {
            case .unterminated: message = "unterminated string"
            case .controlCharacter: message = "unescaped control character in string"
            case .invalidEscape: message = "invalid escape"
            case .truncatedUnicodeEscape: message = "truncated \\u escape"
            case .invalidUnicodeEscape: message = "invalid \\u escape"
            case .unpairedSurrogate: message = "unpaired surrogate in \\u escape"
            case .invalidUTF8: message = "string is not valid UTF-8"
            }
            throw ExportError(.syntax, message, offset: base + error.offset)
        }
    }
}
