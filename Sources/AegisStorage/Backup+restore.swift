import AegisCore
import AegisLog

extension Backup {
    /// Where a restore stops.
    public enum Target: Sendable, Equatable {
        /// Everything the backup holds (its `end_lsn`).
        case end
        /// The state after the record with this LSN (snapshot_lsn ≤ LSN ≤ end_lsn).
        case lsn(UInt64)
        /// The state after the last record committed at or before this time (microseconds).
        case time(Timestamp)
    }

    public struct RestoreReport: Sendable, Equatable {
        public var lsn: UInt64
        /// Commit time of the record at `lsn` (the snapshot's for a snapshot-only restore).
        public var timestamp: Int64
        public var bytes: Int64
    }

    /// Writes a data directory that `Store.open` loads to the chosen point. Verifies the backup
    /// first (refuses a damaged one); refuses a non-empty `dataDirectory` unless `force`.
    public static func restore(backupDirectory: String, dataDirectory: String, target: Target = .end, force: Bool = false,
                               options: Options = Options()) throws -> RestoreReport {
        let io = options.io
        let problems = try verify(backupDirectory: backupDirectory, io: io)
        guard problems.isEmpty else {
            throw AegisError.corruption("backup \(backupDirectory) failed verification: " + problems.map(\.description).joined(separator: "; "))
        }
        let manifest = try readManifest(backupDirectory, io: io)

        // Resolve the target to an LSN inside the window.
        let backupLog = IOPath.join(backupDirectory, StorageFormat.logDirectory)
        var lsn = manifest.endLSN
        var timestamp = manifest.endTimestamp
        switch target {
        case .end: break
        case .lsn(let n):
            guard n >= manifest.snapshotLSN, n <= manifest.endLSN else {
                throw AegisError.invalidArgument("to-lsn", "LSN \(n) is outside the backup's window [\(manifest.snapshotLSN), \(manifest.endLSN)]")
            }
            lsn = n
            timestamp = manifest.snapshotTimestamp
            if n > manifest.snapshotLSN {
                try LogReader.scanWhile(directory: backupLog, io: io, fromLSN: n, throughLSN: n) { timestamp = $0.timestamp; return false }
            }
        case .time(let t):
            guard t.microseconds >= manifest.snapshotTimestamp else {
                throw AegisError.invalidArgument("to-time", "\(t) is before the backup's window (its snapshot was committed at \(Timestamp(microseconds: manifest.snapshotTimestamp)))")
            }
            lsn = manifest.snapshotLSN
            timestamp = manifest.snapshotTimestamp
            try LogReader.scanWhile(directory: backupLog, io: io, fromLSN: manifest.snapshotLSN + 1) { rec in
                guard rec.timestamp <= t.microseconds else { return false }
                lsn = rec.lsn; timestamp = rec.timestamp
                return true
            }
        }

        // Prepare the directory.
        if io.isDirectory(dataDirectory), !(try io.listDirectory(dataDirectory)).isEmpty {
            guard force else { throw AegisError(.conflict, "\(dataDirectory) is not empty; restore into a new directory or pass --force") }
            for name in try io.listDirectory(dataDirectory) { try removeTree(IOPath.join(dataDirectory, name), io: io) }
        }
        try io.makeDirectory(IOPath.join(dataDirectory, StorageFormat.snapshotDirectory))
        try io.makeDirectory(IOPath.join(dataDirectory, StorageFormat.logDirectory))

        // Copy the files; the log is cut after the target record.
        var bytes: Int64 = 0
        var cut: (segment: UInt64, offset: Int64)?
        if lsn < manifest.endLSN {
            try LogReader.scanWhile(directory: backupLog, io: io, fromLSN: lsn + 1, throughLSN: lsn + 1) { rec in
                cut = (rec.segment, rec.offset); return false
            }
        }
        var snapshotSize: Int64?
        for f in manifest.files {
            let from = IOPath.join(backupDirectory, f.path)
            let to = IOPath.join(dataDirectory, f.path)
            var length = f.size
            if f.path.hasPrefix(StorageFormat.logDirectory + "/"), let cut {
                let number = LogDirectoryName.segmentNumber(IOPath.fileName(of: f.path))
                if let number, number > cut.segment { continue }
                if number == cut.segment { length = cut.offset }
            }
            if f.path.hasPrefix(StorageFormat.snapshotDirectory + "/") { snapshotSize = f.size }
            _ = try copyPrefix(from, to: to, length: length, io: io) { bytes += $0; options.progress?(bytes, manifest.totalBytes) }
        }
        try io.fsyncDirectory(IOPath.join(dataDirectory, StorageFormat.snapshotDirectory))
        try io.fsyncDirectory(IOPath.join(dataDirectory, StorageFormat.logDirectory))
        if let snapshotSize {
            let m = Manifest(sequence: 1, entries: [.init(lsn: manifest.snapshotLSN, fileSize: UInt64(snapshotSize), writtenAt: Timestamp.now().microseconds)])
            try io.writeFileAtomically(IOPath.join(dataDirectory, StorageFormat.manifestFileName), m.encode())
        }
        try io.fsyncDirectory(dataDirectory)
        return RestoreReport(lsn: lsn, timestamp: timestamp, bytes: bytes)
    }

    static func readManifest(_ backupDirectory: String, io: any FileIO) throws -> BackupManifest {
        let path = IOPath.join(backupDirectory, BackupManifest.fileName)
        guard io.fileExists(path) else { throw AegisError(.notFound, "\(backupDirectory) is not a backup (no \(BackupManifest.fileName))") }
        return try BackupManifest.decode(io.readWholeFile(path, maxSize: 64 << 20).bytes, path: path)
    }
}

/// Segment file names `log-<16 hex>.seg` (docs/format.md §2).
enum LogDirectoryName {
    static func segmentNumber(_ name: String) -> UInt64? {
        guard name.hasPrefix("log-"), name.hasSuffix(".seg") else { return nil }
        let hex = name.dropFirst(4).dropLast(4)
        guard hex.count == 16 else { return nil }
        return UInt64(hex, radix: 16)
    }
}
