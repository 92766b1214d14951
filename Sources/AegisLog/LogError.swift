/// The one error type of AegisLog: a small code vocabulary plus where it happened.
public struct LogError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public init(_ name: String) { self.name = name }
        public var description: String { name }

        /// Bytes on disk are not what the format allows (checksum, header, LSN order, …).
        public static let corruption = Code("corruption")
        /// The operating system reported an I/O error (EIO, EBADF, …).
        public static let io = Code("io")
        /// The log refuses writes (after a failed write/fsync, or after close).
        public static let readOnly = Code("readOnly")
        /// No space left on the device (ENOSPC, EDQUOT); nothing was acknowledged.
        public static let diskFull = Code("diskFull")
        /// The file was written by a newer format version.
        public static let unsupportedVersion = Code("unsupportedVersion")
        /// The caller passed something invalid (record type, size, option string, …).
        public static let invalidArgument = Code("invalidArgument")
        /// Another process holds the directory's write lock.
        public static let locked = Code("locked")
        /// A file or directory does not exist (ENOENT).
        public static let notFound = Code("notFound")
        /// A file to be created already exists (EEXIST).
        public static let alreadyExists = Code("alreadyExists")
    }

    public var code: Code
    public var message: String
    /// The file concerned, if any.
    public var file: String?
    /// Byte offset in `file`, if any.
    public var offset: Int64?
    /// The LSN concerned (for corruption: the LSN the damaged record should carry).
    public var lsn: UInt64?
    /// The errno behind an `io` / `diskFull` / `notFound` error, if any.
    public var errno: Int32?

    public init(_ code: Code, _ message: String, file: String? = nil, offset: Int64? = nil,
                lsn: UInt64? = nil, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
        self.lsn = lsn
        self.errno = errno
    }

    public var description: String {
        var s = "\(code): \(message)"
        if let file { s += " (file \(file)" + (offset.map { ", offset \($0)" } ?? "") + (lsn.map { ", LSN \($0)" } ?? "") + ")" }
        else if let lsn { s += " (LSN \(lsn))" }
        if let errno { s += " [errno \(errno)]" }
        return s
    }
}
