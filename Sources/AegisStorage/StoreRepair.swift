import AegisCore
import AegisLog

/// What `StoreRepair.repair` did, one line per action.
public struct StoreRepairReport: Sendable {
    public var actions: [String] = []
    public var log: RepairReport?
}

/// Offline repair of a data directory (takes the store lock; no server may run). Keeps the
/// valid log prefix via `LogRepair` (the rest goes to `log/quarantine/`), moves snapshots that
/// fail verification to `snapshots/quarantine/`, rewrites a damaged or stale `CURRENT`,
/// removes `*.tmp` debris. Nothing is deleted.
public enum StoreRepair {
    public static func repair(directory: String, io: any FileIO = PosixFileIO()) throws -> StoreRepairReport {
        guard io.isDirectory(directory) else { throw AegisError(.notFound, "data directory \(directory) does not exist") }
        let lock: IOHandle
        do { lock = try io.lockExclusive(IOPath.join(directory, StorageFormat.lockFileName)) } catch {
            throw AegisError(.locked, "data directory \(directory) is locked by another process (stop the server first)")
        }
        defer { try? io.close(lock) }
        var report = StoreRepairReport()
        do {
            for name in try Store.removeDebris(io: io, directory: directory) { report.actions.append("removed debris \(name)") }

            let logDir = IOPath.join(directory, StorageFormat.logDirectory)
            if io.isDirectory(logDir) {
                let r = try LogRepair.repair(directory: logDir, io: io)
                report.log = r
                for t in r.removedTemporaryFiles { report.actions.append("removed debris log/\(t)") }
                if r.repaired {
                    report.actions.append("log: \(r.problem ?? "damaged"); kept records through LSN \(r.salvagedThroughLSN), moved \(r.quarantinedBytes) bytes to quarantine: \(r.quarantined.joined(separator: ", "))")
                }
            }

            let snapDir = IOPath.join(directory, StorageFormat.snapshotDirectory)
            var valid: [(UInt64, Int64)] = []
            if io.isDirectory(snapDir) {
                for name in try io.listDirectory(snapDir) {
                    guard let lsn = StorageFormat.snapshotLSN(fromFileName: name) else { continue }
                    let path = IOPath.join(snapDir, name)
                    do {
                        let loaded = try SnapshotReader(io: io).load(path)
                        guard loaded.info.lsn == lsn else { throw AegisError.corruption("holds LSN \(loaded.info.lsn), its name says \(lsn)") }
                        valid.append((lsn, loaded.info.fileSize))
                    } catch let e as AegisError where e.code == .unsupportedVersion {
                        throw e
                    } catch {
                        let q = IOPath.join(snapDir, "quarantine")
                        try io.makeDirectory(q)
                        try io.rename(path, to: IOPath.join(q, name))
                        try io.fsyncDirectory(snapDir)
                        report.actions.append("moved damaged snapshot \(name) to snapshots/quarantine/ (\(Store.map(error).message))")
                    }
                }
            }

            let manifestPath = IOPath.join(directory, StorageFormat.manifestFileName)
            let current = (try? io.readWholeFile(manifestPath, maxSize: 1 << 16).bytes).flatMap { try? Manifest.decode($0, path: manifestPath) }
            let validLSNs = Set(valid.map(\.0))
            let stale = current.map { !$0.entries.allSatisfy { validLSNs.contains($0.lsn) } } ?? io.fileExists(manifestPath)
            if stale || (current == nil && !valid.isEmpty) {
                if valid.isEmpty {
                    try io.rename(manifestPath, to: manifestPath + ".damaged")
                    try io.fsyncDirectory(directory)
                    report.actions.append("moved \(StorageFormat.manifestFileName) aside (no valid snapshot left)")
                } else {
                    let entries = valid.sorted { $0.0 > $1.0 }.prefix(StorageFormat.maxManifestEntries)
                        .map { Manifest.Entry(lsn: $0.0, fileSize: UInt64($0.1), writtenAt: Timestamp.now().microseconds) }
                    try io.writeFileAtomically(manifestPath, Manifest(sequence: (current?.sequence ?? 0) + 1, entries: entries).encode())
                    report.actions.append("rewrote \(StorageFormat.manifestFileName) to list snapshots at LSN \(entries.map { String($0.lsn) }.joined(separator: ", "))")
                }
            }
        } catch {
            throw Store.map(error)
        }
        return report
    }
}
