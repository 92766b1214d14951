import AegisCore
import AegisLog
import Foundation

extension Store {
    /// Writes a snapshot of the current state (at the last applied LSN) with the caller's
    /// opaque, versioned vector-index bytes, switches `CURRENT` to it, then removes (or, with
    /// `keepLogForBackup`, archives) log segments the retained snapshots no longer need and
    /// deletes unlisted snapshot files. Deleted memories are not in the new snapshot.
    ///
    /// `indexLSN` is the LSN the index bytes reflect (default: the snapshot's LSN — the caller
    /// asserts its index has seen every commit so far). Commits may continue while the file is
    /// written (the capture is copy-on-write). Throws `conflict` when a checkpoint is running.
    @discardableResult
    public func checkpoint(indexSection: [UInt8]? = nil, indexLSN: UInt64? = nil) async throws -> SnapshotInfo {
        guard !isReadOnly, let wal else { throw AegisError(.readOnly, "store \(directory) is open read-only") }
        let busy = checkpointBusy.withLock { b -> Bool in defer { b = true }; return b }
        guard !busy else { throw AegisError.conflict("a checkpoint is already running") }
        defer { checkpointBusy.withLock { $0 = false } }
        if let f = failure { throw AegisError(.unavailable, "store refuses writes after a failure: \(f.message)") }

        let image: SnapshotImage = lock.withReadLock {
            let idx = indexSection.map { (bytes: $0, lsn: min(indexLSN ?? state.lastLSN, state.lastLSN)) }
            return SnapshotImage(state: state, index: idx)
        }
        // The snapshot must never be ahead of the durable log (fsync=interval/off).
        do { try await wal.sync() } catch { throw Store.map(error) }

        let io = self.io
        let directory = self.directory
        let options = self.options
        let snapDir = snapshotDirectory
        let manifestPath = self.manifestPath
        return try await Store.offload {
            do {
                let path = IOPath.join(snapDir, StorageFormat.snapshotFileName(lsn: image.lsn))
                let written = try SnapshotWriter(io: io).write(image, to: path, compress: options.compressSnapshots)

                var previous: [Manifest.Entry] = []
                var sequence: UInt64 = 1
                if io.fileExists(manifestPath), let bytes = try? io.readWholeFile(manifestPath, maxSize: 1 << 16).bytes,
                   let m = try? Manifest.decode(bytes, path: manifestPath) {
                    previous = m.entries
                    sequence = m.sequence + 1
                }
                let entry = Manifest.Entry(lsn: image.lsn, fileSize: UInt64(written.bytes), writtenAt: Timestamp.now().microseconds)
                let kept = [entry] + previous.filter { $0.lsn < image.lsn && io.fileExists(IOPath.join(snapDir, StorageFormat.snapshotFileName(lsn: $0.lsn))) }
                    .prefix(options.retainedSnapshots - 1)
                try io.writeFileAtomically(manifestPath, Manifest(sequence: sequence, entries: Array(kept)).encode())

                // Log segments: keep what the oldest retained snapshot and the index catch-up need.
                var through = kept.map(\.lsn).min() ?? image.lsn
                if let idx = image.index { through = min(through, idx.lsn) }
                if through > 0 {
                    let archive = options.keepLogForBackup ? IOPath.join(directory, StorageFormat.archiveDirectory) : nil
                    if let archive { try io.makeDirectory(archive) }
                    _ = try wal.removeSegments(coveredThrough: through, archiveTo: archive)
                }
                // Snapshot files no longer listed.
                let keepNames = Set(kept.map { StorageFormat.snapshotFileName(lsn: $0.lsn) })
                var removed = false
                for name in try io.listDirectory(snapDir) where !keepNames.contains(name) && StorageFormat.snapshotLSN(fromFileName: name) != nil {
                    try io.unlink(IOPath.join(snapDir, name))
                    removed = true
                }
                if removed { try io.fsyncDirectory(snapDir) }

                return SnapshotInfo(path: path, lsn: image.lsn, lastTimestamp: image.lastTimestamp, writtenAt: Timestamp(microseconds: entry.writtenAt),
                                    embeddingModel: image.embeddingModel, dimension: image.dimension, fileSize: written.bytes,
                                    memoryCount: image.liveMemories,
                                    voteCount: image.projects.reduce(0) { $0 + $1.votes.values.reduce(0) { $0 + $1.count } },
                                    sessionCount: image.projects.reduce(0) { $0 + $1.sessions.count },
                                    featureCount: image.projects.reduce(0) { $0 + $1.features.count },
                                    indexBytes: image.index?.bytes.count ?? 0, indexLSN: image.index?.lsn)
            } catch {
                throw Store.map(error)
            }
        }
    }

    /// Runs blocking work (file writes, a graph encoding) on its own thread so the cooperative
    /// pool stays free.
    public static func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let t = Thread {
                do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
            }
            t.stackSize = 8 << 20
            t.start()
        }
    }
}
