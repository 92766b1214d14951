import AegisCore
import AegisEngine
import AegisExport
import AegisStorage
import ArgumentParser
import Foundation

/// `aegis-memory migrate --data-dir D [--dry-run] [--json] [--backup-dir B | --no-backup --yes]`:
/// reports the format version of every file (manifest, snapshots with their index section and
/// HNSW graphs, log segments, record payloads) and upgrades older formats to the current one:
/// a pre-upgrade backup first (`backup` machinery; rollback = restore it), then a checkpoint
/// that rewrites the snapshot and manifest in the current format; the log is kept.
/// Exit codes: 0 current / upgraded / dry run; 1 error (unreadable file, store in use, backup
/// failed); 3 a file is NEWER than this binary (nothing touched).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Report the store's format versions and upgrade older formats (backup first).")

    @Option(name: .long, help: "Data directory (stop the server first).") var dataDir: String
    @Flag(name: .long, help: "Report versions and the upgrade plan; change nothing.") var dryRun = false
    @Option(name: .long, help: "Where the pre-upgrade backup goes (default: <data-dir>.pre-migrate-<UTC time>).") var backupDir: String?
    @Flag(name: .long, help: "Skip the pre-upgrade backup (requires --yes).") var noBackup = false
    @Flag(name: .long, help: "Confirm an upgrade without a backup.") var yes = false
    @Flag(name: .long, help: "Print a JSON summary.") var json = false

    func run() async throws {
        if noBackup && !yes { throw ValidationError("--no-backup needs --yes: without a backup there is no rollback") }
        let report: StoreFormat.Report
        do { report = try StoreFormat.inspect(dataDirectory: dataDir) } catch {
            OpsSupport.note("migrate: \(error)"); throw ExitCode(1)
        }
        let plan: [StoreFormat.Step]
        do { plan = try StoreFormat.plan(report) } catch {
            emit(report, state: "refused", plan: [], backup: nil, message: error.description)
            OpsSupport.note("migrate: \(error.description)")
            if case .newer = error { throw ExitCode(3) }
            throw ExitCode(1)
        }
        if !report.unreadable.isEmpty {
            let why = report.unreadable.map { "\($0.file): \($0.reason)" }.joined(separator: "; ")
            emit(report, state: "unreadable", plan: plan, backup: nil, message: why)
            OpsSupport.note("migrate: cannot read every file (\(why)); run `aegis-memory verify --data-dir \(dataDir)` — nothing was changed")
            throw ExitCode(1)
        }
        if report.older.isEmpty {
            emit(report, state: "current", plan: [], backup: nil, message: "already current; nothing to do")
            return
        }
        if dryRun {
            emit(report, state: "upgrade_needed", plan: plan, backup: nil, message: "dry run: \(plan.count) upgrade steps; nothing was changed")
            return
        }
        // 1. Safety copy (rollback = `aegis-memory restore --from BACKUP --data-dir D --force`).
        var backup: String?
        if !noBackup {
            let target = backupDir ?? dataDir.trimmingSuffix("/") + ".pre-migrate-" + Self.stamp()
            do { _ = try Backup.create(dataDirectory: dataDir, backupDirectory: target) } catch {
                OpsSupport.note("migrate: the pre-upgrade backup failed, nothing was changed: \(error)"); throw ExitCode(1)
            }
            backup = target
        }
        // 2. Open with the current binary (reads the older formats) and checkpoint.
        do {
            let engine = try await AegisEngine.open(directory: dataDir, embedder: try OpsSupport.embedder(dataDir: dataDir, kind: nil))
            try await engine.checkpoint()
            try await engine.close()
        } catch {
            OpsSupport.note("migrate: upgrade failed: \(error)" + (backup.map { "; roll back with: aegis-memory restore --from \($0) --data-dir \(dataDir) --force" } ?? ""))
            throw ExitCode(1)
        }
        let after = (try? StoreFormat.inspect(dataDirectory: dataDir)) ?? report
        // Log segments and the retained fallback snapshot keep the format they were written in
        // (this binary reads them; they leave through the ordinary retention): only the newest
        // snapshot must be current.
        let newest = after.findings.map(\.file).filter { $0.hasPrefix("snapshots/") }.max()
        let left = after.older.filter { $0.component != .logSegment && $0.component != .recordPayload && (!$0.file.hasPrefix("snapshots/") || $0.file == newest) }
        emit(after, state: left.isEmpty ? "upgraded" : "partial", plan: plan, backup: backup,
             message: left.isEmpty ? "upgraded; log segments and the fallback snapshot are kept as they are" : "still older after the checkpoint: \(left.map(\.file))")
        if !left.isEmpty { throw ExitCode(1) }
    }

    static func stamp() -> String {
        Timestamp.now().iso8601(zone: .z, fraction: .none).replacingOccurrences(of: ":", with: "").replacingOccurrences(of: "-", with: "")
    }

    func emit(_ r: StoreFormat.Report, state: String, plan: [StoreFormat.Step], backup: String?, message: String) {
        if json {
            let files: [[(String, Any?)]] = r.findings.map {
                [("file", $0.file), ("component", $0.component.rawValue), ("version", $0.version), ("current", $0.component.currentVersion),
                 ("status", $0.status.rawValue), ("count", $0.count)]
            }
            let steps: [[(String, Any?)]] = plan.map { [("component", $0.component.rawValue), ("from", $0.from), ("to", $0.to), ("summary", $0.summary)] }
            print(OpsSupport.jsonLine([("data_dir", dataDir), ("state", state), ("message", message), ("backup", backup),
                                       ("files", files), ("plan", steps),
                                       ("unreadable", r.unreadable.map { "\($0.file): \($0.reason)" }), ("notes", r.notes)]))
            return
        }
        for f in r.findings {
            let n = f.count > 1 ? " (\(f.count) items)" : ""
            print("\(f.file)  \(f.component.rawValue) v\(f.version)\(n)  [\(f.status == .current ? "current" : "\(f.status.rawValue); current is v\(f.component.currentVersion)")]")
        }
        for u in r.unreadable { print("\(u.file)  UNREADABLE: \(u.reason)") }
        for n in r.notes { print("note: \(n)") }
        for s in plan { print("step: \(s.component.rawValue) v\(s.from) → v\(s.to): \(s.summary)") }
        if let backup { print("migrate: pre-upgrade backup in \(backup) (rollback: aegis-memory restore --from \(backup) --data-dir \(dataDir) --force)") }
        print("migrate: \(message)")
    }
}

private extension String {
    func trimmingSuffix(_ s: String) -> String {
        var out = self
        while out.count > 1 && out.hasSuffix(s) { out.removeLast(s.count) }
        return out
    }
}
