import AegisCore
import AegisEngine
import AegisExport
import ArgumentParser
import Foundation

/// `aegis-memory import --data-dir D FILE`: loads an export (NDJSON, concatenated objects, a
/// JSON array or `{"memories": [...]}` — files of the v1.2 server, of its CLI, and of this
/// server; or `*.sql`: a pgsql export or a plain `pg_dump` of an Aegis v1.2 database) into a
/// store, streaming. `--from-postgres URL` reads an Aegis v1.2 PostgreSQL
/// database (or one loaded from `export --format pgsql`) through `psql`, embeddings included.
/// Opens the store for writing: stop the server first (or use `POST /memories/import`).
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import memories from an export file or an Aegis PostgreSQL database.")

    @Option(name: .long, help: "Data directory (created when missing).") var dataDir: String
    @Option(name: .long, help: "Project for records without project_id (default: AEGIS_DEFAULT_PROJECT_ID or default-project).") var project: String?
    @Flag(name: .long, help: "Put every record into --project, ignoring the records' project_id.") var forceProject = false
    @Flag(name: .long, inversion: .prefixedNo, help: "Skip records duplicating a live memory (same id, or same content/namespace/user/agent).") var skipDuplicates = true
    @Option(name: .long, help: "Embedder for records without embeddings: minilm | openai | hash (default: the store's).") var embedder: String?
    @Option(name: .long, help: "Read the memories, vote_history, session_progress and feature_tracker tables of this PostgreSQL database via psql (a libpq URL or connection string).") var fromPostgres: String?
    @Option(name: .long, help: "psql binary for --from-postgres (default: AEGIS_PSQL or psql on PATH).") var psql: String?
    @Flag(name: .long, help: "Print a JSON summary.") var json = false
    @Argument(help: "File to import (- for stdin).") var file: String?

    func run() async throws {
        guard (file == nil) != (fromPostgres == nil) else { throw ValidationError("give either FILE or --from-postgres URL") }
        let env = ProcessInfo.processInfo.environment
        let defaultProject = project ?? env["AEGIS_DEFAULT_PROJECT_ID"] ?? "default-project"
        let emb: any Embedder
        do { emb = try OpsSupport.embedder(dataDir: dataDir, kind: embedder) } catch {
            OpsSupport.note("import: cannot create the embedder: \(error)"); throw ExitCode(1)
        }
        let engine: AegisEngine
        let config: EngineConfiguration
        do { config = try OpsSupport.bulkInsertConfiguration(env) } catch { OpsSupport.note("import: \(error)"); throw ExitCode(2) }
        do { engine = try await AegisEngine.open(directory: dataDir, embedder: emb, configuration: config) } catch {
            OpsSupport.note("import: cannot open \(dataDir) for writing (is a server running on it? use POST /memories/import then): \(error)")
            throw ExitCode(1)
        }
        let started = Date()
        // SQL text (a pgsql export or a pg_dump of a v1.2 database) is read from its COPY
        // blocks in two passes: the vote counts first (so counters and vote rows both come out
        // as stored), then every table.
        let sql = fromPostgres != nil || (file.map { $0.hasSuffix(".sql") } ?? false)
        var progress = OpsSupport.Progress(label: "import")
        var importer: EngineImporter
        var spooled: String?
        defer { if let spooled { try? FileManager.default.removeItem(atPath: spooled) } }
        do {
            if let url = fromPostgres {
                let source = PostgresSource(url: url, psql: psql)
                let tables = try source.tables()
                var tally = VoteTally()
                if tables.contains("vote_history") { try source.voteCounts(into: &tally) }
                importer = EngineImporter(engine: engine, defaultProject: defaultProject, forceProject: forceProject,
                                          skipDuplicates: skipDuplicates, sqlDump: true, votes: tally)
                for t in ["memories", "vote_history", "session_progress", "feature_tracker"] where tables.contains(t) {
                    try await source.copy(table: t, into: &importer)
                }
            } else {
                var path = file!
                if sql && path == "-" {
                    // The vote pre-scan needs a second read: keep stdin in a temporary file.
                    let tmp = NSTemporaryDirectory() + "aegis-import-\(UUID().uuidString).sql"
                    FileManager.default.createFile(atPath: tmp, contents: nil)
                    spooled = tmp
                    let out = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
                    while let chunk = try FileHandle.standardInput.read(upToCount: 1 << 20), !chunk.isEmpty { try out.write(contentsOf: chunk) }
                    try out.close()
                    path = tmp
                }
                var tally: VoteTally?
                if sql {
                    guard let h = FileHandle(forReadingAtPath: path) else { OpsSupport.note("import: cannot read \(path)"); throw ExitCode(1) }
                    var t = VoteTally()
                    while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { t.scanSQL(chunk) }
                    t.finishSQL()
                    try? h.close()
                    tally = t
                }
                importer = EngineImporter(engine: engine, defaultProject: defaultProject, forceProject: forceProject,
                                          skipDuplicates: skipDuplicates, sqlDump: sql, votes: tally)
                let handle: FileHandle
                var size: Int64?
                if path == "-" { handle = .standardInput } else {
                    guard let h = FileHandle(forReadingAtPath: path) else { OpsSupport.note("import: cannot read \(path)"); throw ExitCode(1) }
                    handle = h
                    size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
                }
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try await importer.feed(chunk)
                    progress.update(Int64(importer.bytesRead), size)
                }
            }
        } catch let e as ExitCode { try? await engine.close(); throw e } catch {
            OpsSupport.note("import: \(error)")
            try? await engine.close()
            throw ExitCode(1)
        }
        let summary = try await importer.finish()
        progress.done()
        try await engine.close()
        let secs = Date().timeIntervalSince(started)
        let mismatches: [[(String, Any?)]] = summary.counterMismatches.map {
            [("project_id", $0.projectId), ("memory_id", $0.memoryId), ("stored_helpful", $0.storedHelpful), ("stored_harmful", $0.storedHarmful),
             ("voted_helpful", $0.votedHelpful), ("voted_harmful", $0.votedHarmful), ("kept_helpful", $0.keptHelpful), ("kept_harmful", $0.keptHarmful)]
        }
        if json {
            let errs: [[(String, Any?)]] = summary.errors.map { [("record", $0.record), ("offset", $0.offset), ("field", $0.field), ("code", $0.code.rawValue), ("message", $0.message)] }
            var pairs: [(String, Any?)] = [("imported", summary.imported), ("skipped", summary.skipped), ("error_count", summary.errorCount),
                                           ("total", importer.total), ("seconds", (secs * 1000).rounded() / 1000)]
            if sql {
                pairs += [("votes_imported", summary.votes.imported), ("votes_skipped", summary.votes.skipped),
                          ("sessions_imported", summary.sessions.imported), ("sessions_skipped", summary.sessions.skipped),
                          ("features_imported", summary.features.imported), ("features_skipped", summary.features.skipped),
                          ("counter_mismatch_count", summary.counterMismatchCount), ("counter_mismatches", mismatches)]
            }
            pairs.append(("errors", errs))
            print(OpsSupport.jsonLine(pairs))
        } else {
            for e in summary.errors.prefix(50) { OpsSupport.note("import: error \(e)") }
            if summary.errorCount > 50 { OpsSupport.note("import: … \(summary.errorCount - 50) more errors") }
            for m in summary.counterMismatches.prefix(50) {
                OpsSupport.note("import: counter mismatch in the source: memory \(m.memoryId) (\(m.projectId)) stores helpful=\(m.storedHelpful) harmful=\(m.storedHarmful), its vote rows give helpful=\(m.votedHelpful) harmful=\(m.votedHarmful); kept helpful=\(m.keptHelpful) harmful=\(m.keptHarmful)")
            }
            if summary.counterMismatchCount > 50 { OpsSupport.note("import: … \(summary.counterMismatchCount - 50) more counter mismatches") }
            var line = "import: \(summary.imported) imported, \(summary.skipped) skipped (duplicates), \(summary.errorCount) errors"
            if sql {
                line += "; votes \(summary.votes.imported) imported / \(summary.votes.skipped) skipped, sessions \(summary.sessions.imported) / \(summary.sessions.skipped), features \(summary.features.imported) / \(summary.features.skipped)"
                if summary.counterMismatchCount > 0 { line += "; \(summary.counterMismatchCount) counter mismatches reported" }
            }
            print(line + ", in \(String(format: "%.2f", secs)) s")
        }
        if summary.errorCount > 0 { throw ExitCode(2) }
    }
}
