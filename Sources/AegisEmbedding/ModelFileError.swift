/// Why a model file (safetensors weights, vocabulary, configuration) could not be used.
/// Carries the file and, where it applies, the byte offset or tensor name.
public struct ModelFileError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// The file is missing or unreadable.
        case io
        /// The header length, JSON or an entry's fields are malformed.
        case badHeader
        /// A dtype this reader does not know, or not the one the caller needs.
        case badDType
        /// A shape with negative/overflowing dimensions, or not the shape the model needs.
        case badShape
        /// Data offsets out of order, overlapping, leaving holes, or past the end of the file.
        case badOffsets
        /// A tensor or configuration value the model needs is absent.
        case missing
    }
    public var code: Code
    public var message: String
    public var file: String
    public var offset: Int?

    public init(_ code: Code, _ message: String, file: String, offset: Int? = nil) {
        self.code = code; self.message = message; self.file = file; self.offset = offset
    }

    public var description: String {
        "model file \(code.rawValue): \(message) (\(file)\(offset.map { " at byte \($0)" } ?? ""))"
    }
}
