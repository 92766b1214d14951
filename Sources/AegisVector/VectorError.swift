/// The one error type of AegisVector: a small code vocabulary plus what/where.
public struct VectorError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The vector's length differs from the arena/index dimension.
        public static let dimensionMismatch = Code(rawValue: "dimension_mismatch")
        /// A component is NaN or ±Inf.
        public static let nonFinite = Code(rawValue: "non_finite")
        /// A parameter is out of its documented range.
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// A requested size cannot be allocated (overflow or over the documented limit).
        public static let capacityExceeded = Code(rawValue: "capacity_exceeded")
        public var description: String { rawValue }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
