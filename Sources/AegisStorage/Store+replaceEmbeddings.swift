import AegisCore
import AegisLog
import Foundation

/// What `Store.replaceEmbeddings` did.
public struct EmbeddingReplacementReport: Sendable {
    public var previousModel: String
    public var previousDimension: Int
    public var model: String
    public var dimension: Int
    /// The snapshot that holds the re-embedded state (the switch point).
    public var snapshot: SnapshotInfo
    /// Memories whose vector was replaced.
    public var memories: Int
    /// Where the old snapshots, manifest and log segments went (an openable store directory
    /// with the old model), nil when they were deleted.
    public var keptOldStore: String?
    /// Clean-up problems after the switch (the switch itself succeeded).
    public var warnings: [String]
}

extension Store {
    /// Switches the store to another embedding model **atomically**: every live memory gets the
    /// vector `vector(projectId, id)` (exactly `dimension` finite floats), the store records
    /// `model`/`dimension`, and `indexSection` becomes the checkpointed index.
    ///
    /// Steps (docs/format-storage.md §1.1): (1) a marker `config` record with the *old* model
    /// gives the new state its own LSN L; (2) the log is rotated so every record ≤ L is in a
    /// sealed segment; (3) a snapshot at L holding the new model, dimension and vectors is
    /// written (`.tmp`, fsync, rename); (4) **the switch**: `CURRENT` is replaced atomically by a
    /// manifest listing only that snapshot; (5) the old snapshots, the old manifest and the
    /// sealed segments ≤ L are moved to `keepOldStoreIn` (a directory that then opens as the old
    /// store) or deleted. A crash before (4) leaves the old store (plus the harmless marker
    /// record), after it the new one; never a mix. The store is closed on return (its in-memory
    /// state still holds the old vectors): reopen it with the new model.
    ///
    /// Nothing else may write to the store meanwhile (the CLI holds the lock): a commit that
    /// lands after the marker makes this throw `conflict` before the switch.
    public func replaceEmbeddings(model: String, dimension: Int, indexSection: [UInt8]?, keepOldStoreIn keepDir: String?,
                                  vector: (_ projectId: String, _ id: String) -> [Float]?) async throws -> EmbeddingReplacementReport {
        guard !isReadOnly, let wal else { throw AegisError(.readOnly, "store \(directory) is open read-only") }
        guard !model.isEmpty, model.utf8.count <= StorageFormat.maxModelNameBytes else {
            throw AegisError.invalidArgument("model", "model name must be 1…\(StorageFormat.maxModelNameBytes) bytes")
        }
        guard (1...65_536).contains(dimension) else { throw AegisError.invalidArgument("dimension", "must be 1…65536") }
        if let keepDir, io.fileExists(keepDir) {
            throw AegisError.conflict("\(keepDir) already exists; choose another place to keep the old store")
        }
        let old: (model: String, dimension: Int)? = read { v in v.embeddingModel.map { ($0, v.dimension) } }
        guard let old else { throw AegisError.invalidArgument("store", "\(directory) has no embedding model recorded (nothing to re-embed)") }

        let busy = checkpointBusy.withLock { b -> Bool in defer { b = true }; return b }
        guard !busy else { throw AegisError.conflict("a checkpoint is running; try again") }
        defer { checkpointBusy.withLock { $0 = false } }

        // (1) the new state's LSN; (2) seal the log.
        let lsn = try await commit([.config(embeddingModel: old.model, dimension: old.dimension)])
        do { try wal.rotate(); try await wal.sync() } catch { throw Store.map(error) }

        // (3) the image: the current state with new vectors, model and dimension.
        var problem: AegisError?
        var replaced = 0
        let image: SnapshotImage = lock.withReadLock {
            var image = SnapshotImage(state: state, index: indexSection.map { (bytes: $0, lsn: lsn) })
            guard state.lastLSN == lsn else {
                problem = AegisError.conflict("the store was written to while re-embedding (LSN \(state.lastLSN), expected \(lsn)); nothing was switched")
                return image
            }
            let arena = VectorArena(dimension: dimension)
            for i in image.rows.indices {
                guard let row = image.rows[i] else { continue }
                guard let v = vector(row.projectId, row.id), v.count == dimension, v.allSatisfy(\.isFinite) else {
                    problem = AegisError.invalidArgument("vector", "no valid \(dimension)-dimensional vector for memory \(row.id) of project \(row.projectId); nothing was switched")
                    return image
                }
                image.rows.setSlot(i, arena.append(v))
                replaced += 1
            }
            image.embeddingModel = model
            image.dimension = dimension
            image.vectors = arena.frozen()
            return image
        }
        if let problem { throw problem }

        let io = self.io, options = self.options, snapDir = snapshotDirectory, manifestPath = self.manifestPath
        let logDir = logDirectory
        let (info, warnings) = try await Store.offload { () throws -> (SnapshotInfo, [String]) in
            let path = IOPath.join(snapDir, StorageFormat.snapshotFileName(lsn: lsn))
            let oldManifest: [UInt8]?
            let sequence: UInt64
            do {
                oldManifest = io.fileExists(manifestPath) ? try io.readWholeFile(manifestPath, maxSize: 1 << 16).bytes : nil
                sequence = (oldManifest.flatMap { try? Manifest.decode($0, path: manifestPath) }?.sequence ?? 0) + 1
                let written = try SnapshotWriter(io: io).write(image, to: path, compress: options.compressSnapshots)
                let entry = Manifest.Entry(lsn: lsn, fileSize: UInt64(written.bytes), writtenAt: Timestamp.now().microseconds)
                // (4) the switch.
                do { try io.writeFileAtomically(manifestPath, Manifest(sequence: sequence, entries: [entry]).encode()) } catch {
                    let renamed = (try? io.readWholeFile(manifestPath, maxSize: 1 << 16).bytes).flatMap { try? Manifest.decode($0, path: manifestPath) }?.entries == [entry]
                    guard renamed else { throw error }
                    throw AegisError(.io, "the switch to \(model) was written but could not be made durable (\(error)); after a crash the store may come back with either model, never a mix — reopen it to see which")
                }
                let info = SnapshotInfo(path: path, lsn: lsn, lastTimestamp: image.lastTimestamp,
                                        writtenAt: Timestamp(microseconds: entry.writtenAt), embeddingModel: model,
                                        dimension: dimension, fileSize: written.bytes, memoryCount: image.liveMemories,
                                        voteCount: image.projects.reduce(0) { $0 + $1.votes.values.reduce(0) { $0 + $1.count } },
                                        sessionCount: image.projects.reduce(0) { $0 + $1.sessions.count },
                                        featureCount: image.projects.reduce(0) { $0 + $1.features.count },
                                        indexBytes: image.index?.bytes.count ?? 0, indexLSN: image.index?.lsn)
                // (5) clean-up: failures here are reported, the switch stands.
                var warnings: [String] = []
                let keep = StorageFormat.snapshotFileName(lsn: lsn)
                let oldSnaps = ((try? io.listDirectory(snapDir)) ?? []).filter { $0 != keep && StorageFormat.snapshotLSN(fromFileName: $0) != nil }
                if let keepDir {
                    do {
                        try io.makeDirectory(IOPath.join(keepDir, StorageFormat.snapshotDirectory))
                        for name in oldSnaps {
                            let to = IOPath.join(IOPath.join(keepDir, StorageFormat.snapshotDirectory), name)
                            do { try io.rename(IOPath.join(snapDir, name), to: to) } catch {
                                try FileManager.default.copyItem(atPath: IOPath.join(snapDir, name), toPath: to)
                                try io.unlink(IOPath.join(snapDir, name))
                            }
                        }
                        if let oldManifest { try io.writeFileAtomically(IOPath.join(keepDir, StorageFormat.manifestFileName), oldManifest) }
                        _ = try wal.removeSegments(coveredThrough: lsn, archiveTo: IOPath.join(keepDir, StorageFormat.logDirectory))
                        try io.fsyncDirectory(IOPath.join(keepDir, StorageFormat.snapshotDirectory))
                        try io.fsyncDirectory(keepDir)
                    } catch {
                        warnings.append("keeping the old store in \(keepDir) failed part-way (\(error)); old files left in \(snapDir) and \(logDir) are ignored and removed by the next checkpoint")
                    }
                } else {
                    do {
                        for name in oldSnaps { try io.unlink(IOPath.join(snapDir, name)) }
                        _ = try wal.removeSegments(coveredThrough: lsn, archiveTo: nil)
                    } catch {
                        warnings.append("removing the old files failed (\(error)); they are ignored and removed by the next checkpoint")
                    }
                }
                try? io.fsyncDirectory(snapDir)
                return (info, warnings)
            } catch {
                throw Store.map(error)
            }
        }
        try await close()
        return EmbeddingReplacementReport(previousModel: old.model, previousDimension: old.dimension, model: model, dimension: dimension,
                                          snapshot: info, memories: replaced, keptOldStore: keepDir, warnings: warnings)
    }
}
