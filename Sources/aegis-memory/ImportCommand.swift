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
    @Option(name: .long, help: "Read the memories table of this PostgreSQL database via psql (a libpq URL or connection string).") var fromPostgres: String?
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
        do { engine = try await AegisEngine.open(directory: dataDir, embedder: emb) } catch {
            OpsSupport.note("import: cannot open \(dataDir) for writing (is a server running on it? use POST /memories/import then): \(error)")
            throw ExitCode(1)
        }
        let started = Date()
        // SQL text (a pgsql export or a pg_dump of a v1.2 database) is read from its COPY block.
        let sql = file.map { $0.hasSuffix(".sql") } ?? false
        var importer = EngineImporter(engine: engine, defaultProject: defaultProject, forceProject: forceProject,
                                      skipDuplicates: skipDuplicates, sqlDump: sql)
        var progress = OpsSupport.Progress(label: "import")
        do {
            if let url = fromPostgres {
                try await importFromPostgres(url, &importer)
            } else {
                let handle: FileHandle
                var size: Int64?
                if file == "-" { handle = .standardInput } else {
                    guard let h = FileHandle(forReadingAtPath: file!) else { OpsSupport.note("import: cannot read \(file!)"); throw ExitCode(1) }
                    handle = h
                    size = (try? FileManager.default.attributesOfItem(atPath: file!)[.size] as? NSNumber)?.int64Value
                }
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    try await importer.feed(chunk)
                    progress.update(Int64(importer.bytesRead), size)
                }
            }
        } catch let e as ExitCode { throw e } catch {
            OpsSupport.note("import: \(error)")
            try? await engine.close()
            throw ExitCode(1)
        }
        let summary = try await importer.finish()
        progress.done()
        try await engine.close()
        let secs = Date().timeIntervalSince(started)
        if json {
            let errs: [[(String, Any?)]] = summary.errors.map { [("record", $0.record), ("offset", $0.offset), ("field", $0.field), ("code", $0.code.rawValue), ("message", $0.message)] }
            print(OpsSupport.jsonLine([("imported", summary.imported), ("skipped", summary.skipped), ("error_count", summary.errorCount),
                                       ("total", importer.total), ("seconds", (secs * 1000).rounded() / 1000), ("errors", errs)]))
        } else {
            for e in summary.errors.prefix(50) { OpsSupport.note("import: error \(e)") }
            if summary.errorCount > 50 { OpsSupport.note("import: … \(summary.errorCount - 50) more errors") }
            print("import: \(summary.imported) imported, \(summary.skipped) skipped (duplicates), \(summary.errorCount) errors, in \(String(format: "%.2f", secs)) s")
        }
        if summary.errorCount > 0 { throw ExitCode(2) }
    }

    /// `SELECT row_to_json(m) FROM memories m` through psql: one JSON object per line, whose keys
    /// are the v1.2 columns (`metadata` or the migration schema's `metadata_json`, `embedding` as
    /// pgvector text) — exactly what the import reader accepts.
    func importFromPostgres(_ url: String, _ importer: inout EngineImporter) async throws {
        let env = ProcessInfo.processInfo.environment
        let bin = psql ?? env["AEGIS_PSQL"] ?? "psql"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [bin, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                       "-c", "SELECT row_to_json(m)::text FROM memories m ORDER BY created_at, id"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let h = pipe.fileHandleForReading
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty {
            try await importer.feed(chunk)
        }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw OpsSupport.ValidationErrorMessage("psql exited with status \(p.terminationStatus)") }
    }
}
