import AegisEngine
import AegisStorage
import ArgumentParser

/// `aegis-memory verify --data-dir D`: checks every checksum, the record sequence and every
/// snapshot without taking the lock (safe beside a running server). Exit 0 only when healthy.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a data directory: every snapshot, log record and checksum, and a full recovery.")

    @Option(name: .long, help: "Data directory.")
    var dataDir: String?

    @Option(name: .long, help: "Verify a backup directory instead (made by `backup`).")
    var backup: String?

    @Flag(name: .long, help: "Also print what was checked.")
    var verbose = false

    @Flag(name: .long, help: "Treat warnings (debris, a partial record at the log end) as problems.")
    var strict = false

    func run() async throws {
        if let backup { try VerifyBackup.run(backup, verbose: verbose); return }
        guard let dataDir else { throw ValidationError("give --data-dir D or --backup B") }
        // One load: the index checks reuse the store StoreVerifier's recovery opened (when it
        // got that far; otherwise IndexVerifier tries to open the directory itself).
        var (report, store) = StoreVerifier.verifyKeepingStore(directory: dataDir)
        let index = store.map { IndexVerifier.verify(store: $0, directory: dataDir) } ?? IndexVerifier.verify(directory: dataDir)
        store = nil
        report.checked += index.checked
        report.problems += index.problems
        for i in index.info { print("info     \(i)") }
        if verbose { for line in report.checked { print("ok       \(line)") } }
        for w in report.warnings { print("warning  \(w)") }
        for p in report.problems { print("PROBLEM  \(p)") }
        let healthy = report.isHealthy && (!strict || report.warnings.isEmpty)
        print(healthy ? "verify: \(dataDir) is healthy (\(report.checked.count) checks passed)"
                      : "verify: \(dataDir) has \(report.problems.count + (strict ? report.warnings.count : 0)) problem(s)")
        if !healthy { throw ExitCode(1) }
    }
}
