import AegisCore
import AegisEngine
import AegisStorage
import ArgumentParser
import Foundation

/// `aegis-memory compact --data-dir D [--json]`: offline (takes the lock). Rewrites the store
/// so it holds only live data: one fresh snapshot with the HNSW graphs compacted, no log it
/// covers, no fallback snapshot. Deleted memories leave the disk.
struct CompactCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compact",
        abstract: "Rewrite a data directory offline to hold only live data (one snapshot, compacted graphs, no covered log).",
        discussion: """
        Takes the store's lock: stop the server first. Afterwards the data directory holds a
        single snapshot (the fallback snapshot is given up) and an empty log; a deleted memory is
        in no file of the store. Back up first if you want a fallback.
        """)

    @Option(name: .long, help: "Data directory.")
    var dataDir: String

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    func run() async throws {
        let started = Date()
        let engine: AegisEngine
        do { engine = try await AegisEngine.openForMaintenance(directory: dataDir) } catch {
            OpsSupport.note("compact: \(error)")
            throw ExitCode(1)
        }
        let result: (report: CompactReport, droppedGraphNodes: Int)
        do { result = try await engine.compact() } catch {
            try? await engine.closeWithoutCheckpoint()
            OpsSupport.note("compact: \(error)")
            throw ExitCode(1)
        }
        try? await engine.closeWithoutCheckpoint()
        let r = result.report
        let secs = Date().timeIntervalSince(started)
        if json {
            print(OpsSupport.jsonLine([("data_dir", dataDir), ("lsn", r.snapshot.lsn), ("memories", r.snapshot.memoryCount),
                                       ("bytes_before", r.bytesBefore), ("bytes_after", r.bytesAfter),
                                       ("removed_snapshots", r.removedSnapshots), ("removed_segments", r.removedSegments),
                                       ("graph_nodes_dropped", result.droppedGraphNodes),
                                       ("seconds", MaintenanceSupport.seconds(secs))]))
        } else {
            print("compact: \(dataDir): \(MaintenanceSupport.mib(r.bytesBefore)) -> \(MaintenanceSupport.mib(r.bytesAfter)); snapshot at LSN \(r.snapshot.lsn) with \(r.snapshot.memoryCount) memories; removed \(r.removedSnapshots.count) snapshot(s), \(r.removedSegments.count) log segment(s), \(result.droppedGraphNodes) deleted graph node(s) in \(String(format: "%.2f", secs)) s")
        }
    }
}
