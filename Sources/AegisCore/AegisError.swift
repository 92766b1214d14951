/// The domain/storage error vocabulary shared by the engine and the layers below it.
/// Carries what went wrong and where (field path, file, offset, LSN) — never swallowed.
public struct AegisError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }
        /// A memory / session / feature does not exist (in this project).
        public static let notFound = Code(rawValue: "not_found")
        /// Uniqueness violated (duplicate session_id, feature_id, memory id).
        public static let conflict = Code(rawValue: "conflict")
        /// Bad input; `field` names the path (e.g. `items.3.content`).
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// Stored bytes failed a checksum or structural check; `location` names file/offset/LSN.
        public static let corruption = Code(rawValue: "corruption")
        /// An operating-system I/O call failed (message carries errno text).
        public static let io = Code(rawValue: "io")
        /// Disk full (ENOSPC / EDQUOT).
        public static let diskFull = Code(rawValue: "disk_full")
        /// The store cannot accept writes now (read-only after a failed fsync, closed, embedder down).
        public static let unavailable = Code(rawValue: "unavailable")
        /// Another process holds the data directory's write lock.
        public static let locked = Code(rawValue: "locked")
        /// Files were written by a newer (unknown) format version.
        public static let unsupportedVersion = Code(rawValue: "unsupported_version")
        /// Stored configuration disagrees with the caller's (e.g. embedding model / dimension).
        public static let mismatch = Code(rawValue: "mismatch")
        /// The operation is not allowed on this handle (e.g. writing to a read-only store).
        public static let readOnly = Code(rawValue: "read_only")
        /// A bug: an invariant did not hold.
        public static let `internal` = Code(rawValue: "internal")
    }

    /// Where a problem sits on disk.
    public struct Location: Sendable, Hashable, CustomStringConvertible {
        public var file: String?
        public var offset: Int64?
        public var lsn: UInt64?
        public init(file: String? = nil, offset: Int64? = nil, lsn: UInt64? = nil) {
            self.file = file; self.offset = offset; self.lsn = lsn
        }
        public var description: String {
            var parts: [String] = []
            if let file { parts.append("file \(file)") }
            if let offset { parts.append("offset \(offset)") }
            if let lsn { parts.append("LSN \(lsn)") }
            return parts.joined(separator: ", ")
        }
    }

    public var code: Code
    public var message: String
    /// Request field path for `invalidArgument` (dot-separated, e.g. `operations.2.memory_id`).
    public var field: String?
    public var location: Location?

    public init(_ code: Code, _ message: String, field: String? = nil, location: Location? = nil) {
        self.code = code; self.message = message; self.field = field; self.location = location
    }

    public static func notFound(_ what: String) -> AegisError { AegisError(.notFound, what) }
    public static func conflict(_ what: String) -> AegisError { AegisError(.conflict, what) }
    public static func invalidArgument(_ field: String, _ message: String) -> AegisError {
        AegisError(.invalidArgument, message, field: field)
    }
    public static func corruption(_ message: String, file: String? = nil, offset: Int64? = nil, lsn: UInt64? = nil) -> AegisError {
        AegisError(.corruption, message, location: Location(file: file, offset: offset, lsn: lsn))
    }
    public static func io(_ message: String, file: String? = nil) -> AegisError {
        AegisError(.io, message, location: file.map { Location(file: $0) })
    }
    public static func unavailable(_ why: String) -> AegisError { AegisError(.unavailable, why) }

    public var description: String {
        var s = "\(code.rawValue): \(message)"
        if let field { s += " (field \(field))" }
        if let location, !location.description.isEmpty { s += " [\(location)]" }
        return s
    }
}
