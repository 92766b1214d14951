import AegisCore
import AegisLog
import AegisStorage
import ArgumentParser

/// `aegis-memory repair --data-dir D`: offline (takes the lock). Salvages the valid prefix of
/// the log (the rest goes to `log/quarantine/`), moves damaged snapshots to
/// `snapshots/quarantine/`, removes debris. Nothing is deleted.
struct RepairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "repair",
        abstract: "Repair a data directory offline: keep the valid log prefix, quarantine the rest and damaged snapshots.")

    @Option(name: .long, help: "Data directory.")
    var dataDir: String

    func run() async throws {
        do {
            let report = try StoreRepair.repair(directory: dataDir)
            for line in report.actions { print(line) }
            print(report.actions.isEmpty ? "repair: nothing to repair in \(dataDir)" : "repair: done; run `aegis-memory verify --data-dir \(dataDir)`")
        } catch {
            print("repair failed: \(error)")
            throw ExitCode(1)
        }
    }
}
