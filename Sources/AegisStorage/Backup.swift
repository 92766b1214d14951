import AegisCore
import AegisLog
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Online backup, point-in-time restore and backup verification (docs/operations.md).
///
/// A backup is a directory: `snapshots/snap-<LSN>.snap` (the newest snapshot the source's
/// `CURRENT` lists), `log/log-*.seg` (every segment holding records after that LSN; the active
/// one copied up to its last complete record) and `aegis-backup.txt` (`BackupManifest`, a
/// size + XXH3 for every file). Taking one needs no lock and forces no snapshot: snapshots are
/// immutable and segments append-only, so a running server keeps serving and writing.
public enum Backup {
    public struct Options: Sendable {
        public var io: any FileIO
        /// Attempts when a concurrent checkpoint removes a file while it is being copied.
        public var attempts: Int = 5
        /// Called with (bytes copied, bytes planned) as the copy progresses.
        public var progress: (@Sendable (Int64, Int64) -> Void)?
        public init(io: any FileIO = PosixFileIO()) { self.io = io }
    }

    static let copyChunk = 1 << 20

    /// Copies the newest snapshot and the log after it from `dataDirectory` (which may be in
    /// use by a server) into `backupDirectory` (created; must be empty or absent).
    public static func create(dataDirectory: String, backupDirectory: String, options: Options = Options()) throws -> BackupManifest {
        let io = options.io
        guard io.isDirectory(dataDirectory) else { throw AegisError(.notFound, "data directory \(dataDirectory) does not exist") }
        if io.isDirectory(backupDirectory), !(try io.listDirectory(backupDirectory)).isEmpty {
            throw AegisError(.conflict, "backup directory \(backupDirectory) is not empty")
        }
        var lastError: Error?
        for _ in 0..<max(1, options.attempts) {
            do {
                return try attempt(dataDirectory, backupDirectory, options)
            } catch let e as AegisError where e.code == .notFound {
                lastError = e   // a checkpoint removed a file we were about to copy: start over
                try? removeTree(backupDirectory, io: io)
            } catch let e as LogError where e.code == .notFound {
                lastError = e
                try? removeTree(backupDirectory, io: io)
            }
        }
        throw AegisError(.unavailable, "backup could not get a consistent copy after \(options.attempts) attempts (checkpoints kept removing files): \(lastError.map { "\($0)" } ?? "")")
    }

    private static func attempt(_ src: String, _ dst: String, _ options: Options) throws -> BackupManifest {
        let io = options.io
        // 1. The newest snapshot CURRENT lists (none: the log from LSN 1 is the whole state).
        var snapshotLSN: UInt64 = 0
        var snapshotName: String?
        let currentPath = IOPath.join(src, StorageFormat.manifestFileName)
        if io.fileExists(currentPath) {
            let bytes = try io.readWholeFile(currentPath, maxSize: 1 << 20).bytes
            let manifest = try Manifest.decode(bytes, path: currentPath)
            snapshotLSN = manifest.entries[0].lsn
            snapshotName = StorageFormat.snapshotFileName(lsn: snapshotLSN)
        }
        // 2. The segments holding records after it, with their valid lengths (a read-only scan).
        let logDir = IOPath.join(src, StorageFormat.logDirectory)
        let segments = try LogReader.segments(directory: logDir, io: io)
        let needed = segments.filter { $0.lastLSN > snapshotLSN || ($0.isActive && $0.firstLSN == snapshotLSN + 1) }
        if let first = needed.first, first.firstLSN > snapshotLSN + 1 {
            throw AegisError.corruption("log starts at LSN \(first.firstLSN) but the snapshot ends at \(snapshotLSN): records are missing", file: first.path)
        }
        if needed.isEmpty, snapshotName == nil {
            throw AegisError(.notFound, "\(src) holds neither a snapshot nor log records: nothing to back up")
        }
        try io.makeDirectory(IOPath.join(dst, StorageFormat.snapshotDirectory))
        try io.makeDirectory(IOPath.join(dst, StorageFormat.logDirectory))
        var planned: Int64 = needed.reduce(0) { $0 + $1.validBytes }
        var files: [BackupManifest.File] = []
        var copied: Int64 = 0
        var snapshotTimestamp: Int64 = 0
        var model: String?
        var dimension = 0
        if let name = snapshotName {
            let from = IOPath.join(IOPath.join(src, StorageFormat.snapshotDirectory), name)
            guard let size = try io.fileSize(atPath: from) else { throw AegisError(.notFound, "snapshot \(from) vanished") }
            planned += size
            let rel = StorageFormat.snapshotDirectory + "/" + name
            let sum = try copyPrefix(from, to: IOPath.join(dst, rel), length: size, io: io) { copied += $0; options.progress?(copied, planned) }
            files.append(.init(path: rel, size: size, xxh3: sum))
            // Commit time of the record at the snapshot's LSN (header offset 32).
            let h = try io.open(IOPath.join(dst, rel), mode: .readOnly)
            defer { try? io.close(h) }
            let header = try io.pread(h, count: 112, at: 0)
            guard header.count == 112 else { throw AegisError.corruption("snapshot header truncated", file: from) }
            func le<T: FixedWidthInteger>(_ at: Int, _: T.Type) -> T {
                header[at..<(at + MemoryLayout<T>.size)].withUnsafeBytes { T(littleEndian: $0.loadUnaligned(as: T.self)) }
            }
            snapshotTimestamp = le(32, Int64.self)
            dimension = Int(le(40, UInt32.self))
            let nameLen = Int(le(44, UInt16.self))
            if nameLen > 0 && nameLen <= 64 { model = String(decoding: header[48..<(48 + nameLen)], as: UTF8.self) }
        }
        for seg in needed {
            let rel = StorageFormat.logDirectory + "/" + seg.fileName
            let sum = try copyPrefix(seg.path, to: IOPath.join(dst, rel), length: seg.validBytes, io: io) { copied += $0; options.progress?(copied, planned) }
            files.append(.init(path: rel, size: seg.validBytes, xxh3: sum))
        }
        try io.fsyncDirectory(IOPath.join(dst, StorageFormat.snapshotDirectory))
        try io.fsyncDirectory(IOPath.join(dst, StorageFormat.logDirectory))
        // 3. Check what was copied: the log must continue the snapshot without a gap.
        let copiedLog = IOPath.join(dst, StorageFormat.logDirectory)
        let report = try LogReader.scan(directory: copiedLog, io: io, fromLSN: snapshotLSN + 1) { _ in }
        let endLSN = max(snapshotLSN, report.lastLSN)
        let endTimestamp = report.segments.last(where: { $0.lastTimestamp != nil })?.lastTimestamp ?? snapshotTimestamp
        if model == nil {
            // No snapshot: the config record (LSN 1) names the model.
            try LogReader.scanWhile(directory: copiedLog, io: io, fromLSN: 1, throughLSN: 1) { rec in
                if let events = try? EventCodec.decodeRecord(type: rec.type, payload: rec.payload, what: "LSN 1", dimension: nil),
                   case .config(let m, let d)? = events.first {
                    model = m; dimension = d
                }
                return false
            }
        }
        let manifest = BackupManifest(createdAt: Timestamp.now().microseconds, source: src, embeddingModel: model,
                                      dimension: dimension, snapshotLSN: snapshotLSN, snapshotTimestamp: snapshotTimestamp,
                                      endLSN: endLSN, endTimestamp: endTimestamp, files: files)
        try io.writeFileAtomically(IOPath.join(dst, BackupManifest.fileName), manifest.encode())
        try io.fsyncDirectory(dst)
        return manifest
    }

    /// Copies the first `length` bytes of `from` to a new file `to` (fsynced); returns their XXH3.
    static func copyPrefix(_ from: String, to: String, length: Int64, io: any FileIO, copied: (Int64) -> Void) throws -> UInt64 {
        let src: IOHandle
        do { src = try io.open(from, mode: .readOnly) } catch let e as LogError where e.code == .notFound {
            throw AegisError(.notFound, "\(from) vanished during the copy")
        }
        defer { try? io.close(src) }
        let tmp = to + StorageFormat.tempSuffix
        let dst = try io.open(tmp, mode: .createTruncate)
        var hasher = Checksum.Hasher()
        var offset: Int64 = 0
        do {
            while offset < length {
                let n = Int(min(Int64(copyChunk), length - offset))
                let chunk = try io.pread(src, count: n, at: offset)
                guard chunk.count == n else { throw AegisError.corruption("\(from) is shorter than expected (\(offset + Int64(chunk.count)) < \(length) bytes)", file: from) }
                chunk.withUnsafeBytes { hasher.update($0) }
                try io.pwrite(dst, chunk, at: offset)
                offset += Int64(n)
                copied(Int64(n))
            }
            try io.fsync(dst)
            try io.close(dst)
        } catch {
            try? io.close(dst)
            try? io.unlink(tmp)
            throw error
        }
        try io.rename(tmp, to: to)
        return hasher.finalize()
    }

    /// XXH3 and size of a whole file (streamed).
    static func checksum(_ path: String, io: any FileIO) throws -> (size: Int64, xxh3: UInt64) {
        let h = try io.open(path, mode: .readOnly)
        defer { try? io.close(h) }
        let size = try io.fileSize(h)
        var hasher = Checksum.Hasher()
        var offset: Int64 = 0
        while offset < size {
            let chunk = try io.pread(h, count: Int(min(Int64(copyChunk), size - offset)), at: offset)
            if chunk.isEmpty { break }
            chunk.withUnsafeBytes { hasher.update($0) }
            offset += Int64(chunk.count)
        }
        return (offset, hasher.finalize())
    }

    static func removeTree(_ path: String, io: any FileIO) throws {
        guard io.fileExists(path) || io.isDirectory(path) else { return }
        if io.isDirectory(path) {
            for name in try io.listDirectory(path) { try removeTree(IOPath.join(path, name), io: io) }
            guard rmdir(path) == 0 else { throw AegisError.io("cannot remove directory \(path)", file: path) }
        } else {
            try io.unlink(path)
        }
    }
}
