#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FaultInjectingFileIO {
    public func open(_ path: String, mode: FileOpenMode) throws -> IOHandle {
        let p = Self.normalize(path)
        return try withState { s in
            try tick(&s, .open, p)
            var inode = s.entries[p]
            if s.directories.contains(p) { throw Self.ioError("open", p, EISDIR) }
            switch mode {
            case .readOnly, .readWrite:
                guard inode != nil else { throw Self.ioError("open", p, ENOENT) }
            case .create:
                break
            case .createNew:
                if inode != nil { throw Self.ioError("open", p, EEXIST) }
            case .createTruncate:
                if let i = inode { s.inodes[i]!.data = [] }
            }
            if inode == nil {
                try requireParent(s, p)
                let i = s.nextInode
                s.nextInode += 1
                s.inodes[i] = Inode()
                s.entries[p] = i
                inode = i
            }
            let fd = s.nextHandle
            s.nextHandle += 1
            s.handles[fd] = (inode!, p)
            return IOHandle(fd: fd, path: p)
        }
    }

    public func close(_ handle: IOHandle) throws {
        rawState { s in
            s.handles[handle.fd] = nil
            for (path, fd) in s.locks where fd == handle.fd { s.locks[path] = nil }
        }
    }

    public func pread(_ handle: IOHandle, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        try withState { s in
            try tick(&s, .read, handle.path)
            let i = try self.handle(s, handle)
            let data = s.inodes[i]!.data
            guard offset >= 0 else { throw Self.ioError("pread", handle.path, EINVAL) }
            guard offset < data.count, buffer.count > 0 else { return 0 }
            let n = min(buffer.count, data.count - Int(offset))
            data.withUnsafeBytes { src in
                buffer.baseAddress!.copyMemory(from: src.baseAddress! + Int(offset), byteCount: n)
            }
            return n
        }
    }

    public func pwrite(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        try withState { s in try write(&s, handle, bytes, at: offset) }
    }

    public func append(_ handle: IOHandle, _ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        try withState { s in
            let i = try self.handle(s, handle)
            let end = Int64(s.inodes[i]!.data.count)
            try write(&s, handle, bytes, at: end)
            return end
        }
    }

    private func write(_ s: inout State, _ handle: IOHandle, _ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        let i = try self.handle(s, handle)
        guard offset >= 0 else { throw Self.ioError("pwrite", handle.path, EINVAL) }
        var count = bytes.count
        var failure: LogError?
        do {
            try tick(&s, .write, handle.path)
        } catch let e as LogError {
            // A failed write may still have written a prefix.
            count = Int(s.rng.next() % UInt64(bytes.count + 1))
            failure = e
        }
        let start = Int(offset)
        if let capacity = s.capacity {
            let current = s.inodes[i]!.data.count
            let growth = max(0, start + count - current)
            let free = max(0, capacity - Self.used(s))
            if growth > free {
                count = max(0, min(count, current + free - start))
                failure = Self.ioError("pwrite", handle.path, ENOSPC, offset: offset + Int64(count))
            }
        }
        if count > 0 {
            var data = s.inodes[i]!.data
            if data.count < start + count {
                data.append(contentsOf: repeatElement(0, count: start + count - data.count))
            }
            data.withUnsafeMutableBytes { dst in
                (dst.baseAddress! + start).copyMemory(from: bytes.baseAddress!, byteCount: count)
            }
            s.inodes[i]!.data = data
        }
        if let failure { throw failure }
    }

    public func fsync(_ handle: IOHandle) throws {
        let delay = syncDelayMicroseconds
        if delay > 0 { usleep(delay) }
        try withState { s in
            try tick(&s, .fsync, handle.path)
            let i = try self.handle(s, handle)
            s.inodes[i]!.synced = s.inodes[i]!.data
        }
    }

    public func fdatasync(_ handle: IOHandle) throws { try fsync(handle) }

    public func ftruncate(_ handle: IOHandle, to size: Int64) throws {
        try withState { s in
            try tick(&s, .ftruncate, handle.path)
            let i = try self.handle(s, handle)
            guard size >= 0 else { throw Self.ioError("ftruncate", handle.path, EINVAL) }
            let n = Int(size)
            var data = s.inodes[i]!.data
            if n <= data.count { data.removeLast(data.count - n) }
            else {
                if let capacity = s.capacity, n - data.count > capacity - Self.used(s) {
                    throw Self.ioError("ftruncate", handle.path, ENOSPC)
                }
                data.append(contentsOf: repeatElement(0, count: n - data.count))
            }
            s.inodes[i]!.data = data
        }
    }

    public func fileSize(_ handle: IOHandle) throws -> Int64 {
        try withState { s in Int64(s.inodes[try self.handle(s, handle)]!.data.count) }
    }

    public func fileSize(atPath path: String) throws -> Int64? {
        let p = Self.normalize(path)
        return try withState { s in s.entries[p].map { Int64(s.inodes[$0]!.data.count) } }
    }

    public func fileExists(_ path: String) -> Bool {
        let p = Self.normalize(path)
        return rawState { s in s.entries[p] != nil || s.directories.contains(p) }
    }

    public func isDirectory(_ path: String) -> Bool {
        let p = Self.normalize(path)
        return rawState { s in s.directories.contains(p) }
    }

    public func rename(_ from: String, to: String) throws {
        let f = Self.normalize(from), t = Self.normalize(to)
        try withState { s in
            try tick(&s, .rename, f)
            guard let i = s.entries[f] else { throw Self.ioError("rename", f, ENOENT) }
            try requireParent(s, t)
            s.entries[f] = nil
            s.entries[t] = i
        }
    }

    public func unlink(_ path: String) throws {
        let p = Self.normalize(path)
        try withState { s in
            try tick(&s, .unlink, p)
            guard s.entries.removeValue(forKey: p) != nil else { throw Self.ioError("unlink", p, ENOENT) }
        }
    }

    public func listDirectory(_ path: String) throws -> [String] {
        let p = Self.normalize(path)
        return try withState { s in
            guard s.directories.contains(p) else { throw Self.ioError("opendir", p, ENOENT) }
            let files = s.entries.keys.filter { IOPath.directory(of: $0) == p }
            let dirs = s.directories.filter { $0 != p && IOPath.directory(of: $0) == p }
            return (files + dirs).map { IOPath.fileName(of: $0) }.sorted()
        }
    }

    public func fsyncDirectory(_ path: String) throws {
        let p = Self.normalize(path)
        try withState { s in
            try tick(&s, .directoryFsync, p)
            guard s.directories.contains(p) else { throw Self.ioError("open directory", p, ENOENT) }
            for key in s.durableEntries.keys where IOPath.directory(of: key) == p { s.durableEntries[key] = nil }
            for (key, inode) in s.entries where IOPath.directory(of: key) == p { s.durableEntries[key] = inode }
        }
    }

    public func makeDirectory(_ path: String) throws {
        let p = Self.normalize(path)
        try withState { s in
            var dir = p
            while !s.directories.contains(dir) {
                s.directories.insert(dir)
                let parent = IOPath.directory(of: dir)
                if parent == dir { break }
                dir = parent
            }
        }
    }

    public func lockExclusive(_ path: String) throws -> IOHandle {
        let p = Self.normalize(path)
        let h = try open(p, mode: .create)
        return try withState { s in
            if s.locks[p] != nil {
                s.handles[h.fd] = nil
                throw LogError(.locked, "another process holds the write lock", file: p, errno: EWOULDBLOCK)
            }
            s.locks[p] = h.fd
            return h
        }
    }

    public func readWholeFile(_ path: String, maxSize: Int) throws -> FileBytes {
        let p = Self.normalize(path)
        return try withState { s in
            try tick(&s, .read, p)
            guard let i = s.entries[p] else { throw Self.ioError("open", p, ENOENT) }
            let data = s.inodes[i]!.data
            guard data.count <= maxSize else {
                throw LogError(.invalidArgument, "file is \(data.count) bytes, limit \(maxSize)", file: p)
            }
            return FileBytes(data)
        }
    }
}
