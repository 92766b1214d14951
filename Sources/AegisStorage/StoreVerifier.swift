import AegisCore
import AegisLog

/// What `StoreVerifier.verify` checked and found.
public struct VerifyReport: Sendable {
    /// Problems: anything here means the store is not healthy (exit status 1).
    public var problems: [String] = []
    /// Harmless findings (debris of an interrupted write, an append in progress at the log end).
    public var warnings: [String] = []
    /// What was checked, one line each.
    public var checked: [String] = []
    public var isHealthy: Bool { problems.isEmpty }
}

/// Read-only, lock-free verification of a data directory (safe beside a running writer):
/// the manifest, every snapshot file (header, trailer, section table, every section and block
/// checksum, every row), every log record (checksum, LSN sequence, payload decoding), that the
/// log continues the newest snapshot, and a full recovery (snapshot + replay) with no skipped
/// event.
public enum StoreVerifier {
    public static func verify(directory: String, io: any FileIO = PosixFileIO()) -> VerifyReport {
        verifyKeepingStore(directory: directory, io: io).report
    }

    /// `verify`, also returning the read-only store the full recovery opened (nil when the
    /// recovery was not attempted or failed), so further checks need not load it again.
    public static func verifyKeepingStore(directory: String, io: any FileIO = PosixFileIO()) -> (report: VerifyReport, store: Store?) {
        var r = VerifyReport()
        var recovered: Store?
        guard io.isDirectory(directory) else {
            r.problems.append("\(directory) is not a directory")
            return (r, nil)
        }
        let snapDir = IOPath.join(directory, StorageFormat.snapshotDirectory)
        let logDir = IOPath.join(directory, StorageFormat.logDirectory)
        let manifestPath = IOPath.join(directory, StorageFormat.manifestFileName)

        // Debris.
        for dir in [directory, snapDir, logDir] where io.isDirectory(dir) {
            for name in (try? io.listDirectory(dir)) ?? [] where name.hasSuffix(StorageFormat.tempSuffix) {
                r.warnings.append("\(IOPath.join(dir, name)): leftover temporary file (removed by the next writer open)")
            }
        }

        // Manifest.
        var listed: [UInt64] = []
        if io.fileExists(manifestPath) {
            do {
                let m = try Manifest.decode(try io.readWholeFile(manifestPath, maxSize: 1 << 16).bytes, path: manifestPath)
                listed = m.entries.map(\.lsn)
                r.checked.append("\(manifestPath): version 1, sequence \(m.sequence), snapshots at LSN \(listed.map(String.init).joined(separator: ", "))")
            } catch {
                r.problems.append("\(manifestPath): \(Store.map(error))")
            }
        }

        // Snapshots.
        var valid: [UInt64: SnapshotInfo] = [:]
        let files = io.isDirectory(snapDir) ? ((try? io.listDirectory(snapDir)) ?? []) : []
        // The newest snapshot file, kept once checked so the recovery below need not read it
        // again (names sort by LSN, so it is checked last: one snapshot in memory at a time).
        let newestLSN = files.compactMap(StorageFormat.snapshotLSN(fromFileName:)).max()
        var newestLoaded: SnapshotReader.Loaded?
        for lsn in listed where !files.contains(StorageFormat.snapshotFileName(lsn: lsn)) {
            r.problems.append("\(IOPath.join(snapDir, StorageFormat.snapshotFileName(lsn: lsn))): listed in \(StorageFormat.manifestFileName) but missing")
        }
        for name in files {
            guard let lsn = StorageFormat.snapshotLSN(fromFileName: name) else {
                if !name.hasSuffix(StorageFormat.tempSuffix), name != "quarantine" {
                    r.warnings.append("\(IOPath.join(snapDir, name)): unexpected file")
                }
                continue
            }
            let path = IOPath.join(snapDir, name)
            do {
                let loaded = try SnapshotReader(io: io).load(path)
                guard loaded.info.lsn == lsn else { throw AegisError.corruption("holds LSN \(loaded.info.lsn), its name says \(lsn)") }
                valid[lsn] = loaded.info
                if lsn == newestLSN { newestLoaded = loaded }
                let i = loaded.info
                r.checked.append("\(path): LSN \(i.lsn), \(i.memoryCount) memories, \(i.voteCount) votes, \(i.sessionCount) sessions, \(i.featureCount) features, index \(i.indexBytes) bytes, \(i.fileSize) bytes, all checksums ok")
            } catch {
                r.problems.append("\(path): \(Store.map(error))")
            }
        }

        // Log.
        var records = 0
        var firstLSN: UInt64?
        if io.isDirectory(logDir) {
            do {
                let scan = try LogReader.scan(directory: logDir, io: io) { view in
                    if firstLSN == nil { firstLSN = view.lsn }
                    _ = try EventCodec.decodeRecord(type: view.type, payload: view.payload, what: Recovery.what(view), dimension: nil)
                    records += 1
                }
                if firstLSN == nil { firstLSN = scan.segments.first?.firstLSN }
                r.checked.append("\(logDir): \(scan.segments.count) segments, \(records) records" +
                                 (records > 0 ? " (LSN \(firstLSN ?? 0)…\(scan.lastLSN))" : "") + ", every checksum and payload ok")
                if scan.tailIgnoredBytes > 0 {
                    r.warnings.append("\(scan.tailFile ?? logDir): \(scan.tailIgnoredBytes) bytes after the last complete record (a write in progress, or a torn tail the next writer open truncates)")
                }
            } catch {
                r.problems.append("\(logDir): \(Store.map(error)) — run `aegis-memory repair`")
            }
        }

        // The newest snapshot must be continued by the log.
        if let newest = valid.keys.max(), let f = firstLSN, f > newest + 1 {
            r.problems.append("\(logDir): starts at LSN \(f) but the newest valid snapshot ends at LSN \(newest) (records \(newest + 1)…\(f - 1) are missing)")
        }

        // A full recovery as the server would do it.
        if r.problems.isEmpty {
            do {
                var o = StoreOptions(io: io)
                o.collectIndexCatchUp = false
                let store = try Store.openReadOnly(directory: directory, options: o, preloaded: newestLoaded)
                newestLoaded = nil
                recovered = store
                let rep = store.openReport
                if rep.skippedEvents > 0 {
                    r.problems.append("replay: \(rep.skippedEvents) events could not be applied")
                }
                for s in rep.skippedSnapshots { r.warnings.append("recovery skipped \(s)") }
                r.checked.append("recovery: snapshot LSN \(rep.snapshot?.lsn ?? 0) + \(rep.replayedRecords) records replayed → LSN \(rep.lastLSN), \(store.read { $0.totalMemoryCount }) memories")
            } catch {
                r.problems.append("recovery: \(Store.map(error))")
            }
        }
        return (r, recovered)
    }
}
