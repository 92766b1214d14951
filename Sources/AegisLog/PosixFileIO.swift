#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `FileIO` on the real file system (POSIX calls, EINTR retried, short writes completed).
public struct PosixFileIO: FileIO {
    public init() {}

    static func error(_ what: String, _ path: String, _ err: Int32 = errno, offset: Int64? = nil) -> LogError {
        let code: LogError.Code
        switch err {
        case ENOSPC, EDQUOT: code = .diskFull
        case ENOENT, ENOTDIR: code = .notFound
        case EEXIST: code = .alreadyExists
        case EWOULDBLOCK: code = .locked
        case EROFS: code = .readOnly
        default: code = .io
        }
        let reason = String(cString: strerror(err))
        return LogError(code, "\(what) failed: \(reason)", file: path, offset: offset, errno: err)
    }

    public func open(_ path: String, mode: FileOpenMode) throws -> IOHandle {
        var flags: Int32 = O_CLOEXEC
        switch mode {
        case .readOnly: flags |= O_RDONLY
        case .readWrite: flags |= O_RDWR
        case .create: flags |= O_RDWR | O_CREAT
        case .createNew: flags |= O_RDWR | O_CREAT | O_EXCL
        case .createTruncate: flags |= O_RDWR | O_CREAT | O_TRUNC
        }
        while true {
            let fd = Glibc.open(path, flags, 0o644)
            if fd >= 0 { return IOHandle(fd: fd, path: path) }
            if errno == EINTR { continue }
            throw Self.error("open", path)
        }
    }

    public func close(_ handle: IOHandle) throws {
        if Glibc.close(handle.fd) != 0, errno != EINTR { throw Self.error("close", handle.path) }
    }

    public func pread(_ handle: IOHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = Glibc.pread(handle.fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n > 0 { done += n; continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            throw Self.error("pread", handle.path, offset: offset + Int64(done))
        }
        return done
    }

    public func pwrite(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < bytes.count {
            let n = Glibc.pwrite(handle.fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            if n > 0 { done += n; continue }
            if n < 0, errno == EINTR { continue }
            throw Self.error("pwrite", handle.path, n == 0 ? ENOSPC : errno, offset: offset + Int64(done))
        }
    }

    public func append(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        let end = try fileSize(handle)
        try pwrite(handle, bytes, at: end)
        return end
    }

    public func fsync(_ handle: IOHandle) throws {
        if Glibc.fsync(handle.fd) != 0 { throw Self.error("fsync", handle.path) }
    }

    public func fdatasync(_ handle: IOHandle) throws {
        #if canImport(Glibc)
        if Glibc.fdatasync(handle.fd) != 0 { throw Self.error("fdatasync", handle.path) }
        #else
        try fsync(handle)
        #endif
    }

    public func ftruncate(_ handle: IOHandle, to size: Int64) throws {
        while Glibc.ftruncate(handle.fd, off_t(size)) != 0 {
            if errno == EINTR { continue }
            throw Self.error("ftruncate", handle.path, offset: size)
        }
    }

    public func fileSize(_ handle: IOHandle) throws -> Int64 {
        var st = stat()
        if fstat(handle.fd, &st) != 0 { throw Self.error("fstat", handle.path) }
        return Int64(st.st_size)
    }

    public func fileSize(atPath path: String) throws -> Int64? {
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT { return nil }
            throw Self.error("stat", path)
        }
        return Int64(st.st_size)
    }

    public func fileExists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    public func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    public func rename(_ from: String, to: String) throws {
        if Glibc.rename(from, to) != 0 { throw Self.error("rename to \(to)", from) }
    }

    public func unlink(_ path: String) throws {
        if Glibc.unlink(path) != 0 { throw Self.error("unlink", path) }
    }

    public func listDirectory(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw Self.error("opendir", path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func fsyncDirectory(_ path: String) throws {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.error("open directory", path) }
        defer { _ = Glibc.close(fd) }
        if Glibc.fsync(fd) != 0 { throw Self.error("fsync directory", path) }
    }

    public func makeDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = IOPath.directory(of: path)
        if parent != path, !parent.isEmpty, !isDirectory(parent) { try makeDirectory(parent) }
        if mkdir(path, 0o755) != 0 {
            if errno == EEXIST, isDirectory(path) { return }
            throw Self.error("mkdir", path)
        }
        try fsyncDirectory(parent)
    }

    public func lockExclusive(_ path: String) throws -> IOHandle {
        let h = try open(path, mode: .create)
        if flock(h.fd, LOCK_EX | LOCK_NB) != 0 {
            let err = errno
            _ = Glibc.close(h.fd)
            if err == EWOULDBLOCK {
                throw LogError(.locked, "another process holds the write lock", file: path, errno: err)
            }
            throw Self.error("flock", path, err)
        }
        return h
    }

    public func readWholeFile(_ path: String, maxSize: Int) throws -> FileBytes {
        let h = try open(path, mode: .readOnly)
        defer { try? close(h) }
        let size = try fileSize(h)
        guard size <= Int64(maxSize) else {
            throw LogError(.invalidArgument, "file is \(size) bytes, limit \(maxSize)", file: path)
        }
        if size == 0 { return FileBytes([]) }
        // MAP_POPULATE (Linux): callers read every byte (checksums), so map it all in one call
        // rather than through tens of thousands of page faults.
        #if canImport(Glibc)
        let flags = MAP_PRIVATE | MAP_POPULATE
        #else
        let flags = MAP_PRIVATE
        #endif
        guard let p = mmap(nil, Int(size), PROT_READ, flags, h.fd, 0), p != MAP_FAILED else {
            throw Self.error("mmap", path)
        }
        let count = Int(size)
        let address = UInt(bitPattern: p)
        return FileBytes(base: UnsafeRawPointer(p), count: count) {
            _ = munmap(UnsafeMutableRawPointer(bitPattern: address), count)
        }
    }
}
