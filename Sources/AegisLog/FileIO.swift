#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An open file. `fd` is a real descriptor for `PosixFileIO` and a synthetic id for fakes;
/// `path` is kept for error messages.
public struct IOHandle: Hashable, Sendable {
    public let fd: Int32
    public let path: String
    public init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }
}

/// How `FileIO.open` opens a file.
public enum FileOpenMode: Sendable, Equatable {
    /// Read only; the file must exist.
    case readOnly
    /// Read and write; the file must exist.
    case readWrite
    /// Read and write; created empty if missing, kept as is otherwise.
    case create
    /// Read and write; must not exist yet (throws `alreadyExists`).
    case createNew
    /// Read and write; created if missing, truncated to 0 otherwise.
    case createTruncate
}

/// The bytes of a whole file, either memory-mapped (read only) or read into memory.
/// Valid until the object is released.
public final class FileBytes: @unchecked Sendable {
    private let base: UnsafeRawPointer?
    public let count: Int
    private let release: (@Sendable () -> Void)?
    private let storage: [UInt8]?

    public init(_ bytes: [UInt8]) {
        storage = bytes
        base = nil
        count = bytes.count
        release = nil
    }

    /// Wraps memory that stays valid until `release` is called (from deinit).
    public init(base: UnsafeRawPointer, count: Int, release: @escaping @Sendable () -> Void) {
        self.base = base
        self.count = count
        self.release = release
        storage = nil
    }

    deinit { release?() }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if let storage { return try storage.withUnsafeBytes(body) }
        return try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Takes the whole pages inside `range` out of the resident set (`madvise(MADV_DONTNEED)`)
    /// when the bytes are a mapped file: bytes that were read once (checked, decoded, copied)
    /// and are not needed again stop counting in the process's memory. Reading them again is
    /// still valid — the pages come back from the file, which is never changed in place.
    /// No effect on bytes read into memory.
    public func evict(_ range: Range<Int>) {
        guard let base, storage == nil else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (range.lowerBound + page - 1) / page * page
        let end = min(range.upperBound, count) / page * page
        guard end > start else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
    }
}

/// All file-system access of Aegis goes through this protocol (docs/format.md §1), so tests can
/// swap in `FaultInjectingFileIO`. Every method throws `LogError` (`io`, `notFound`,
/// `alreadyExists`, `diskFull`, `locked`, `invalidArgument`). Paths are plain strings joined
/// with "/". Implementations are thread-safe; one handle must not be used by two threads at once.
public protocol FileIO: Sendable {
    func open(_ path: String, mode: FileOpenMode) throws -> IOHandle
    func close(_ handle: IOHandle) throws
    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at end of file.
    func pread(_ handle: IOHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
    /// Writes all of `bytes` at `offset` (or throws; a failed write may have written a prefix).
    func pwrite(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws
    /// Writes all of `bytes` at the current end of the file; returns the offset written at.
    @discardableResult
    func append(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer) throws -> Int64
    /// Flushes data and metadata of the file to stable storage.
    func fsync(_ handle: IOHandle) throws
    /// Flushes data (and the size) of the file to stable storage.
    func fdatasync(_ handle: IOHandle) throws
    func ftruncate(_ handle: IOHandle, to size: Int64) throws
    func fileSize(_ handle: IOHandle) throws -> Int64
    /// Size of the file at `path`, or nil if it does not exist.
    func fileSize(atPath path: String) throws -> Int64?
    func fileExists(_ path: String) -> Bool
    func isDirectory(_ path: String) -> Bool
    /// Atomically replaces `to` with `from` (POSIX rename). Not durable until the directory is fsynced.
    func rename(_ from: String, to: String) throws
    func unlink(_ path: String) throws
    /// Names (not paths) of the entries of a directory, sorted, without "." and "..".
    func listDirectory(_ path: String) throws -> [String]
    /// Makes creations, renames and removals of entries in `path` durable.
    func fsyncDirectory(_ path: String) throws
    /// Creates the directory and missing parents (no error if it exists), fsyncing each parent.
    func makeDirectory(_ path: String) throws
    /// Takes an exclusive, non-blocking lock on `path` (created if missing); throws `locked` if
    /// another process (or another open lock) holds it. Release with `close`.
    func lockExclusive(_ path: String) throws -> IOHandle
    /// The whole file, memory-mapped where the implementation can; throws `invalidArgument`
    /// if it is larger than `maxSize`.
    func readWholeFile(_ path: String, maxSize: Int) throws -> FileBytes
}

extension FileIO {
    public func pwrite(_ handle: IOHandle, _ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { try pwrite(handle, $0, at: offset) }
    }

    @discardableResult
    public func append(_ handle: IOHandle, _ bytes: [UInt8]) throws -> Int64 {
        try bytes.withUnsafeBytes { try append(handle, $0) }
    }

    /// Reads up to `count` bytes at `offset` (fewer at end of file).
    public func pread(_ handle: IOHandle, count: Int, at offset: Int64) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let n = try out.withUnsafeMutableBytes { try pread(handle, into: $0, at: offset) }
        if n < count { out.removeLast(count - n) }
        return out
    }

    /// Writes `bytes` to `path` crash-safely: `<path>.tmp`, fsync, rename, directory fsync.
    public func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let tmp = path + LogFormat.tempSuffix
        let h = try open(tmp, mode: .createTruncate)
        do {
            try pwrite(h, bytes, at: 0)
            try fsync(h)
            try close(h)
        } catch {
            try? close(h)
            try? unlink(tmp)
            throw error
        }
        try rename(tmp, to: path)
        try fsyncDirectory(IOPath.directory(of: path))
    }
}

/// Small path helpers (no Foundation).
public enum IOPath {
    public static func join(_ a: String, _ b: String) -> String {
        if a.isEmpty { return b }
        return a.hasSuffix("/") ? a + b : a + "/" + b
    }

    public static func directory(of path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return "." }
        if i == path.startIndex { return "/" }
        return String(path[..<i])
    }

    public static func fileName(of path: String) -> String {
        guard let i = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: i)...])
    }
}
