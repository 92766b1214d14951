import AegisExport
import Foundation

/// Reads an Aegis v1.2 PostgreSQL database (ORM or migration schema, or one loaded from
/// `export --format pgsql`) through `psql` for `import --from-postgres`: each table comes out as
/// `COPY <table> (<its columns>) FROM stdin;` + `COPY … TO STDOUT` rows + `\.` — the same text a
/// plain pg_dump holds, so one reader (`PostgresDumpReader`) serves both paths. Embeddings travel
/// as pgvector text (bit-exact float32), timestamps in UTC (the session sets TimeZone).
struct PostgresSource {
    let url: String
    let psql: String?

    static let tableOrder = ["memories", "vote_history", "session_progress", "feature_tracker"]

    private var binary: String { psql ?? ProcessInfo.processInfo.environment["AEGIS_PSQL"] ?? "psql" }

    private func run(_ commands: [String], _ body: (Data) throws -> Void) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var args = [binary, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                    "-c", "SET TimeZone = 'UTC'", "-c", "SET DateStyle = 'ISO'"]
        for c in commands { args += ["-c", c] }
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let h = pipe.fileHandleForReading
        var failure: (any Error)?
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty {
            if failure == nil { do { try body(chunk) } catch { failure = error } }
        }
        p.waitUntilExit()
        if let failure { throw failure }
        guard p.terminationStatus == 0 else {
            throw OpsSupport.ValidationErrorMessage("psql exited with status \(p.terminationStatus) (\(binary) -d …)")
        }
    }

    private func text(_ command: String) throws -> String {
        var out = Data()
        try run([command]) { out.append($0) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Which of the four Aegis tables the database has (`memories` is required).
    func tables() throws -> Set<String> {
        let list = Self.tableOrder.map { "'\($0)'" }.joined(separator: ", ")
        let out = try text("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (\(list))")
        let found = Set(out.split(separator: "\n").map(String.init))
        guard found.contains("memories") else {
            throw OpsSupport.ValidationErrorMessage("no memories table in the current schema of that database (is it an Aegis database?)")
        }
        return found
    }

    /// The pre-scan: helpful/harmful vote counts per memory.
    func voteCounts(into tally: inout VoteTally) throws {
        var rest: [UInt8] = []
        var t = tally
        try run(["COPY (SELECT memory_id, count(*) FILTER (WHERE vote = 'helpful'), count(*) FILTER (WHERE vote = 'harmful') FROM vote_history WHERE memory_id IS NOT NULL GROUP BY memory_id) TO STDOUT"]) { chunk in
            rest.append(contentsOf: chunk)
            while let nl = rest.firstIndex(of: 0x0A) {
                let f = rest[..<nl].split(separator: 0x09).map { String(decoding: $0, as: UTF8.self) }
                if f.count == 3, let h = Int64(f[1]), let d = Int64(f[2]) { t.add(memoryId: f[0], helpful: h, harmful: d) }
                rest.removeSubrange(...nl)
            }
        }
        tally = t
    }

    /// Streams one table into the importer as a COPY block, oldest rows first.
    func copy(table: String, into importer: inout EngineImporter) async throws {
        let header = "SELECT 'COPY \(table) (' || string_agg(column_name::text, ', ' ORDER BY ordinal_position) || ') FROM stdin;' FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '\(table)'"
        var imp = importer
        defer { importer = imp }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [binary, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url,
                       "-c", "SET TimeZone = 'UTC'", "-c", "SET DateStyle = 'ISO'",
                       "-c", header, "-c", "COPY (SELECT * FROM \(table) ORDER BY created_at, id) TO STDOUT"]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let h = pipe.fileHandleForReading
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty {
            try await imp.feed(chunk)
        }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw OpsSupport.ValidationErrorMessage("psql exited with status \(p.terminationStatus) reading \(table)")
        }
        try await imp.feed(Array("\\.\n".utf8))
    }
}
