import AegisCore
import AegisEngine
import ArgumentParser
import Foundation

/// `aegis-memory rebuild-index --data-dir D [--m 16] [--ef-construction 64] [--project P]`:
/// offline (takes the lock). Rebuilds the HNSW graphs from the stored vectors with the given
/// parameters, pins them (the server keeps using them after a restart and for new graphs) and
/// checkpoints. The guide's "slow queries" fix.
struct RebuildIndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild-index",
        abstract: "Rebuild the HNSW index of every project (or one) with new build parameters, offline.",
        discussion: """
        The parameters are recorded in the store: the server keeps using them after a restart,
        for new projects and for graphs rebuilt at start-up (AEGIS_HNSW_M and
        AEGIS_HNSW_EF_CONSTRUCTION no longer apply to this store). Takes the store's lock: stop
        the server first.
        """)

    @Option(name: .long, help: "Data directory.")
    var dataDir: String

    @Option(name: .customLong("m"), help: "Links per node (2…256; the guide's m).")
    var m: Int = 16

    @Option(name: .long, help: "Build beam width (m…4096; the guide's ef_construction).")
    var efConstruction: Int = 64

    @Option(name: .long, parsing: .singleValue, help: "Only this project (repeatable).")
    var project: [String] = []

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    func run() async throws {
        let parameters: IndexParameters
        do { parameters = try IndexParameters.checked(m: m, efConstruction: efConstruction) } catch {
            throw ValidationError("\(error)")
        }
        if let threads, !(1...256).contains(threads) { throw ValidationError("--threads must be 1…256") }
        let engine: AegisEngine
        do { engine = try await AegisEngine.openForMaintenance(directory: dataDir) } catch {
            OpsSupport.note("rebuild-index: \(error)")
            throw ExitCode(1)
        }
        let line = MaintenanceSupport.ProgressLine()
        let report: IndexRebuildReport
        do {
            report = try await engine.rebuildIndex(parameters: parameters, only: project.isEmpty ? nil : Set(project),
                                                   threads: threads ?? ProcessInfo.processInfo.activeProcessorCount) { line.update($0) }
            line.finish()
        } catch {
            line.finish()
            try? await engine.closeWithoutCheckpoint()
            OpsSupport.note("rebuild-index: \(error)")
            throw ExitCode(1)
        }
        try? await engine.closeWithoutCheckpoint()
        if json {
            let projects: [[(String, Any?)]] = report.projects.map { p in
                [("project", p.project), ("memories", p.memories), ("m", p.parameters?.m), ("ef_construction", p.parameters?.efConstruction)]
            }
            print(OpsSupport.jsonLine([("data_dir", dataDir), ("m", parameters.m), ("ef_construction", parameters.efConstruction),
                                       ("memories", report.memories), ("projects", projects),
                                       ("seconds", MaintenanceSupport.seconds(report.seconds))]))
        } else {
            print("rebuild-index: \(dataDir): \(report.projects.count) project(s), \(report.memories) memories indexed with \(parameters) in \(String(format: "%.2f", report.seconds)) s; parameters recorded in the store")
        }
    }
}
