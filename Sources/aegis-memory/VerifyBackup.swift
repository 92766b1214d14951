import AegisStorage
import ArgumentParser

/// `verify --backup B`: every file against the manifest (missing, extra, truncated, bit
/// flips) and the log's record sequence. Exit 0 only when all is well.
enum VerifyBackup {
    static func run(_ path: String) throws {
        let problems: [Backup.Problem]
        do { problems = try Backup.verify(backupDirectory: path) } catch {
            print("verify: cannot read backup \(path): \(error)"); throw ExitCode(1)
        }
        for p in problems { print("PROBLEM  \(p)") }
        if problems.isEmpty { print("verify: backup \(path) is intact") } else {
            print("verify: backup \(path) has \(problems.count) problem(s)")
            throw ExitCode(1)
        }
    }
}
