import AegisCore
import AegisStorage
import ArgumentParser
import Foundation

/// `aegis-memory backup --data-dir D --out B [--keep N] [--keep-days D]`: an online backup
/// (no lock taken, no snapshot forced) of the newest snapshot and the log after it, with a
/// checksummed manifest. Safe beside a running server.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Back up a data directory online: newest snapshot + log, checksummed manifest.")

    @Option(name: .long, help: "Data directory (may be in use by a server).") var dataDir: String
    @Option(name: .long, help: "New backup directory (must not exist or be empty).") var out: String
    @Option(name: .long, help: "Retention: keep the newest N backups among --out's sibling directories.") var keep: Int?
    @Option(name: .long, help: "Retention: remove sibling backups older than this many days.") var keepDays: Int?
    @Flag(name: .long, help: "Print a JSON summary.") var json = false

    func run() async throws {
        if let keep, keep < 1 { throw ValidationError("--keep must be ≥ 1") }
        let started = Date()
        var options = Backup.Options()
        let label = "backup"
        let tty = OpsSupport.isTTY
        options.progress = { done, total in
            if tty, done == total || done % (16 << 20) < (1 << 20) {
                FileHandle.standardError.write(Data("\r\(label) \(done >> 20)/\(total >> 20) MiB".utf8))
            }
        }
        let manifest: BackupManifest
        do { manifest = try Backup.create(dataDirectory: dataDir, backupDirectory: out, options: options) } catch {
            OpsSupport.note("\nbackup: \(error)"); throw ExitCode(1)
        }
        if tty { OpsSupport.note("") }
        let secs = Date().timeIntervalSince(started)
        var removed: [String] = []
        if keep != nil || keepDays != nil {
            do { removed = try Backup.prune(siblingsOf: out, keep: keep, maxAgeDays: keepDays) } catch {
                OpsSupport.note("backup: retention failed: \(error)"); throw ExitCode(1)
            }
        }
        let mb = Double(manifest.totalBytes) / 1_048_576
        if json {
            print(OpsSupport.jsonLine([("backup", out), ("snapshot_lsn", manifest.snapshotLSN), ("end_lsn", manifest.endLSN),
                                       ("end_time", Timestamp(microseconds: manifest.endTimestamp).iso8601()),
                                       ("files", manifest.files.count), ("bytes", manifest.totalBytes),
                                       ("seconds", (secs * 1000).rounded() / 1000), ("removed", removed)]))
        } else {
            print("backup: \(out): snapshot LSN \(manifest.snapshotLSN) + log to LSN \(manifest.endLSN) (\(Timestamp(microseconds: manifest.endTimestamp).iso8601())), \(manifest.files.count) files, \(String(format: "%.1f", mb)) MiB in \(String(format: "%.2f", secs)) s")
            for r in removed { print("backup: removed old backup \(r)") }
        }
    }
}

/// `aegis-memory restore --from B --data-dir NEW [--to-lsn N | --to-time T] [--force]`.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into a new data directory, to its end or to a point in time.")

    @Option(name: .long, help: "Backup directory.") var from: String
    @Option(name: .long, help: "Data directory to create.") var dataDir: String
    @Option(name: .long, help: "Stop after the record with this LSN.") var toLsn: UInt64?
    @Option(name: .long, help: "Stop after the last record committed at or before this ISO 8601 UTC time, e.g. 2026-11-25T14:30:00Z.") var toTime: String?
    @Flag(name: .long, help: "Replace the contents of a non-empty --data-dir.") var force = false
    @Flag(name: .long, help: "Print a JSON summary.") var json = false

    func run() async throws {
        var target = Backup.Target.end
        switch (toLsn, toTime) {
        case (.some, .some): throw ValidationError("give --to-lsn or --to-time, not both")
        case (let n?, nil): target = .lsn(n)
        case (nil, let t?):
            guard let ts = Timestamp(iso8601: t) else { throw ValidationError("--to-time must be ISO 8601, e.g. 2026-11-25T14:30:00Z") }
            target = .time(ts)
        default: break
        }
        let started = Date()
        let report: Backup.RestoreReport
        do { report = try Backup.restore(backupDirectory: from, dataDirectory: dataDir, target: target, force: force) } catch {
            OpsSupport.note("restore: \(error)"); throw ExitCode(1)
        }
        // Prove it opens: full recovery of the restored directory.
        do {
            let store = try await Store.open(directory: dataDir)
            let lsn = store.lastLSN
            try await store.close()
            guard lsn == report.lsn else { OpsSupport.note("restore: restored store ends at LSN \(lsn), expected \(report.lsn)"); throw ExitCode(1) }
        } catch let e as ExitCode { throw e } catch {
            OpsSupport.note("restore: the restored directory does not open: \(error)"); throw ExitCode(1)
        }
        let secs = Date().timeIntervalSince(started)
        if json {
            print(OpsSupport.jsonLine([("data_dir", dataDir), ("lsn", report.lsn), ("time", Timestamp(microseconds: report.timestamp).iso8601()),
                                       ("bytes", report.bytes), ("seconds", (secs * 1000).rounded() / 1000)]))
        } else {
            print("restore: \(dataDir) restored to LSN \(report.lsn) (\(Timestamp(microseconds: report.timestamp).iso8601())), \(report.bytes) bytes in \(String(format: "%.2f", secs)) s")
        }
    }
}
