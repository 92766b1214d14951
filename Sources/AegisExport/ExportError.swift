/// Errors of the export/import layer. One struct, a small code vocabulary, and where it happened
/// (record number, byte offset, field) so an operator can find the bad line.
public struct ExportError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// The input is not JSON (or not the expected JSON shape) at this point.
        public static let syntax = Code(rawValue: "syntax")
        /// A record exceeds a limit (size, nesting depth, embedding length).
        public static let tooLarge = Code(rawValue: "too_large")
        /// A record is well-formed JSON but a field has the wrong type or an invalid value.
        public static let invalidRecord = Code(rawValue: "invalid_record")
        /// A value cannot be represented in the target format (e.g. U+0000 in PostgreSQL text).
        public static let unrepresentable = Code(rawValue: "unrepresentable")
        /// The output could not be written / the input could not be read.
        public static let io = Code(rawValue: "io")
        /// Bad arguments (unknown format, conflicting options).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
    }

    public var code: Code
    public var message: String
    /// 0-based index of the record in the input (import) or output (export), when known.
    public var record: Int?
    /// Byte offset in the input where the record (or the problem) starts, when known.
    public var offset: Int?
    /// The JSON field path, e.g. `metadata` or `embedding.12`.
    public var field: String?

    public init(_ code: Code, _ message: String, record: Int? = nil, offset: Int? = nil, field: String? = nil) {
        self.code = code; self.message = message; self.record = record; self.offset = offset; self.field = field
    }

    public var description: String {
        var s = "\(code.rawValue): \(message)"
        var at: [String] = []
        if let record { at.append("record \(record)") }
        if let offset { at.append("byte \(offset)") }
        if let field { at.append("field \(field)") }
        if !at.isEmpty { s += " (" + at.joined(separator: ", ") + ")" }
        return s
    }
}
