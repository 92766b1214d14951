import AegisEngine
import AegisStorage
import ArgumentParser

/// `verify --backup B`: every file against the manifest (missing, extra, truncated, bit
/// flips), the log's record sequence, then the index section of the backup's snapshot against
/// its tables (the checks of `verify --data-dir`; read-only, no lock, nothing written into the
/// backup). Exit 0 only when all is well.
enum VerifyBackup {
    static func run(_ path: String, verbose: Bool = false) throws {
        let report: BackupVerifyReport
        do { report = try IndexVerifier.verify(backupDirectory: path) } catch {
            print("verify: cannot read backup \(path): \(error)"); throw ExitCode(1)
        }
        if let index = report.index {
            for i in index.info { print("info     \(i)") }
            if verbose { for line in index.checked { print("ok       \(line)") } }
        } else if !report.files.isEmpty {
            print("info     index: not checked (the backup's files do not match its manifest)")
        }
        let problems = report.problems
        for p in problems { print("PROBLEM  \(p)") }
        if problems.isEmpty { print("verify: backup \(path) is intact") } else {
            print("verify: backup \(path) has \(problems.count) problem(s)")
            throw ExitCode(1)
        }
    }
}
