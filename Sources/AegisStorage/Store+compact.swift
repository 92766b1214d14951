import AegisCore
import AegisLog
import Foundation

/// What `Store.compact` did.
public struct CompactReport: Sendable {
    /// The one snapshot left (it holds the whole state).
    public var snapshot: SnapshotInfo
    /// Bytes of the store's files (`CURRENT`, `snapshots/`, `log/`, `archive/`) before and after.
    public var bytesBefore: Int64
    public var bytesAfter: Int64
    /// Snapshot files and log segments removed (or archived with `keepLogForBackup`).
    public var removedSnapshots: [String]
    public var removedSegments: [String]
}

extension Store {
    /// Bytes used by the store's own files in `directory`: `CURRENT`, `snapshots/`, `log/` and
    /// `archive/` (recursively). Other files (API keys, embedding cache) are not counted.
    public static func diskUsage(directory: String) -> Int64 {
        let fm = FileManager.default
        var total: Int64 = 0
        func add(_ path: String) {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { return }
            if isDir.boolValue {
                for name in (try? fm.contentsOfDirectory(atPath: path)) ?? [] { add((path as NSString).appendingPathComponent(name)) }
            } else if let a = try? fm.attributesOfItem(atPath: path), let n = a[.size] as? NSNumber {
                total += n.int64Value
            }
        }
        for name in [StorageFormat.manifestFileName, StorageFormat.snapshotDirectory, StorageFormat.logDirectory,
                     StorageFormat.archiveDirectory] {
            add((directory as NSString).appendingPathComponent(name))
        }
        return total
    }

    /// Rewrites the store so that it holds only live data: seals the active log segment, writes
    /// a snapshot of the current state with `indexSection`, lists **only** that snapshot in
    /// `CURRENT` (the fallback snapshot is given up), deletes every other snapshot file and
    /// removes every log segment the new snapshot covers (archived instead when the store was
    /// opened with `keepLogForBackup`). Afterwards a deleted memory is in no snapshot and no
    /// log segment of the data directory.
    ///
    /// Meant for a store no one else writes to (the CLI holds the lock); commits racing it stay
    /// correct but their segment is kept. Each step is crash-safe: a crash leaves the old or the
    /// new state, never less (format-storage.md §1).
    public func compact(indexSection: [UInt8]? = nil) async throws -> CompactReport {
        guard !isReadOnly, let wal else { throw AegisError(.readOnly, "store \(directory) is open read-only") }
        if let f = failure { throw AegisError(.unavailable, "store refuses writes after a failure: \(f.message)") }
        let before = Store.diskUsage(directory: directory)
        let segmentsBefore = Set(wal.segments.map(\.fileName))
        // Every record so far goes into a sealed segment, so the snapshot covers whole files.
        do { try wal.rotate() } catch { throw Store.map(error) }
        let info = try await checkpoint(indexSection: indexSection)

        let busy = checkpointBusy.withLock { b -> Bool in defer { b = true }; return b }
        guard !busy else { throw AegisError.conflict("a checkpoint started while compacting; run compact again") }
        defer { checkpointBusy.withLock { $0 = false } }
        let io = self.io, snapDir = snapshotDirectory, manifestPath = self.manifestPath
        let archive = options.keepLogForBackup ? IOPath.join(directory, StorageFormat.archiveDirectory) : nil
        let removedSnapshots: [String] = try await Store.offload {
            do {
                var sequence: UInt64 = 1
                if let bytes = try? io.readWholeFile(manifestPath, maxSize: 1 << 16).bytes,
                   let m = try? Manifest.decode(bytes, path: manifestPath) { sequence = m.sequence + 1 }
                let entry = Manifest.Entry(lsn: info.lsn, fileSize: UInt64(info.fileSize), writtenAt: info.writtenAt.microseconds)
                try io.writeFileAtomically(manifestPath, Manifest(sequence: sequence, entries: [entry]).encode())
                let keep = StorageFormat.snapshotFileName(lsn: info.lsn)
                var removed: [String] = []
                for name in try io.listDirectory(snapDir) where name != keep && StorageFormat.snapshotLSN(fromFileName: name) != nil {
                    try io.unlink(IOPath.join(snapDir, name))
                    removed.append(name)
                }
                if !removed.isEmpty { try io.fsyncDirectory(snapDir) }
                _ = try wal.removeSegments(coveredThrough: info.lsn, archiveTo: archive)
                return removed.sorted()
            } catch {
                throw Store.map(error)
            }
        }
        let segmentsAfter = Set(wal.segments.map(\.fileName))
        return CompactReport(snapshot: info, bytesBefore: before, bytesAfter: Store.diskUsage(directory: directory),
                             removedSnapshots: removedSnapshots,
                             removedSegments: segmentsBefore.subtracting(segmentsAfter).sorted())
    }
}
