import AegisCore
import AegisEngine
import AegisLog
import AegisStorage
import ArgumentParser
import Foundation

/// `aegis-memory reembed --data-dir D [--batch N] [--no-keep] [--json]`: offline (takes the
/// lock). Re-embeds every memory with the embedder configured like `serve` (AEGIS_EMBEDDER …),
/// builds new indexes and switches the store to them atomically.
struct ReembedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reembed",
        abstract: "Re-embed every memory with the configured embedder and switch the store to it atomically (offline).",
        discussion: """
        The embedder is chosen exactly as for `serve` (AEGIS_EMBEDDER=minilm|openai|hash and its
        settings, from the environment and ./.env). Until the final switch the store is untouched:
        an embedding error, Ctrl-C or a crash leaves the old store usable with the old embedder.
        The old snapshots and log are kept in D.pre-reembed-<UTC time> (an openable store for
        rollback) unless --no-keep. Takes the store's lock: stop the server first, then start it
        with the new embedder.
        """)

    @Option(name: .long, help: "Data directory (env AEGIS_DATA_DIR).")
    var dataDir: String?

    @Option(name: .long, help: "Texts per embedding call (1…100000).")
    var batch: Int = 256

    @Flag(name: .long, help: "Delete the old snapshots and log instead of keeping them beside the data directory.")
    var noKeep = false

    @Option(name: .long, help: "Where to keep the old store (default D.pre-reembed-<UTC time>).")
    var keepDir: String?

    @Flag(name: .long, help: "Re-embed even when the store already records the configured model.")
    var force = false

    @Option(name: .long, help: "Worker threads for the index build (default: all cores).")
    var threads: Int?

    @Option(name: .customLong("env-file"), help: "Read settings from this file instead of ./.env.")
    var envFile: String?

    @Flag(name: .long, help: "Print a JSON summary.")
    var json = false

    func run() async throws {
        guard (1...100_000).contains(batch) else { throw ValidationError("--batch must be 1…100000") }
        if noKeep && keepDir != nil { throw ValidationError("--no-keep and --keep-dir exclude each other") }
        let settings = try ServeSettings.load(envFile: envFile)
        guard let dir = dataDir ?? settings.string("AEGIS_DATA_DIR") else { throw ValidationError("give --data-dir D") }
        let dataDir = dir.count > 1 && dir.hasSuffix("/") ? String(dir.dropLast()) : dir
        var config = EngineConfiguration()
        if let v = try settings.int("AEGIS_HNSW_M") { config.hnswM = v }
        if let v = try settings.int("AEGIS_HNSW_EF_CONSTRUCTION") { config.hnswEfConstruction = v }
        var options = StoreOptions()
        if let f = settings.string("AEGIS_FSYNC") { options.log.fsync = try FsyncPolicy(parsing: f) }

        let embedding: ServeEngine.Embedding
        do { embedding = try ServeEngine.makeEmbedder(settings, dataDir: dataDir) } catch {
            OpsSupport.note("reembed: cannot load the embedder: \(error)")
            throw ExitCode(1)
        }
        let keep: String?
        if noKeep { keep = nil } else if let keepDir { keep = keepDir } else {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            keep = "\(dataDir).pre-reembed-\(f.string(from: Date()))"
        }
        let line = MaintenanceSupport.ProgressLine()
        let report: ReembedReport
        do {
            report = try await AegisEngine.reembed(directory: dataDir, embedder: embedding.embedder, batchSize: batch,
                                                   keepOldStoreIn: keep, force: force, configuration: config,
                                                   storeOptions: options,
                                                   threads: threads ?? ProcessInfo.processInfo.activeProcessorCount) { line.update($0) }
            line.finish()
        } catch {
            line.finish()
            OpsSupport.note("reembed: \(error)")
            throw ExitCode(1)
        }
        for w in report.warnings { OpsSupport.note("reembed: warning: \(w)") }
        // The new store must open with the new embedder (index restored from the new snapshot).
        do {
            let engine = try await AegisEngine.open(directory: dataDir, embedder: embedding.embedder, configuration: config,
                                                    storeOptions: options)
            try await engine.closeWithoutCheckpoint()
        } catch {
            OpsSupport.note("reembed: the switch was made but the re-embedded store does not open: \(error)")
            throw ExitCode(1)
        }
        if json {
            print(OpsSupport.jsonLine([("data_dir", dataDir), ("previous_model", report.previousModel),
                                       ("previous_dimension", report.previousDimension), ("model", report.model),
                                       ("dimension", report.dimension), ("memories", report.memories), ("projects", report.projects),
                                       ("embed_seconds", MaintenanceSupport.seconds(report.embedSeconds)),
                                       ("index_seconds", MaintenanceSupport.seconds(report.indexSeconds)),
                                       ("seconds", MaintenanceSupport.seconds(report.seconds)), ("kept_old_store", report.keptOldStore),
                                       ("warnings", report.warnings)]))
        } else {
            print("reembed: \(dataDir): \(report.memories) memories in \(report.projects) project(s) re-embedded \(report.previousModel) (\(report.previousDimension)) -> \(report.model) (\(report.dimension)) in \(String(format: "%.2f", report.seconds)) s (embedding \(String(format: "%.2f", report.embedSeconds)) s, indexing \(String(format: "%.2f", report.indexSeconds)) s)")
            print(report.keptOldStore.map { "reembed: old store kept in \($0) (open it with the old embedder to roll back; delete it when done)" }
                  ?? "reembed: old snapshots and log removed")
            print("reembed: start the server with the new embedder (\(report.model))")
        }
    }
}
