/// The one error type of AegisHNSW: a small code vocabulary plus what/where.
public struct HNSWError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// A configuration value or call argument is out of its documented range.
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// A vector's length differs from the index dimension.
        public static let dimensionMismatch = Code(rawValue: "dimension_mismatch")
        /// A vector contains NaN or ±Inf.
        public static let nonFinite = Code(rawValue: "non_finite")
        /// A label is used twice in one bulk insert.
        public static let duplicateLabel = Code(rawValue: "duplicate_label")
        /// The index would exceed its maximum number of slots.
        public static let capacityExceeded = Code(rawValue: "capacity_exceeded")
        /// An encoded graph failed validation (magic, version, sizes, checksum, structure).
        public static let corrupt = Code(rawValue: "corrupt")
        /// The encoding was written by a newer format version.
        public static let unsupportedVersion = Code(rawValue: "unsupported_version")
        /// `checkIntegrity()` found an inconsistency in the in-memory graph.
        public static let integrity = Code(rawValue: "integrity")
        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String
    /// Byte offset inside an encoding, when the error is about one.
    public var offset: Int?

    public init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public var description: String {
        if let offset { return "\(code) at byte \(offset): \(message)" }
        return "\(code): \(message)"
    }
}
