import AegisCore
import AegisExport
import AegisStorage
import ArgumentParser
import Foundation

/// `aegis-memory export --data-dir D --format jsonl|json|csv|pgsql [--output F] …`: streams the
/// store's memories (and, for pgsql, votes, sessions and features) in the chosen format. Opens
/// the store read-only without its lock, so it runs beside a live server. Exports everything,
/// expired and deprecated memories included (their state travels with them).
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export memories as JSONL, JSON, CSV or a PostgreSQL + pgvector SQL file.")

    @Option(name: .long, help: "Data directory.") var dataDir: String
    @Option(name: .long, help: "jsonl | json | csv | pgsql") var format: String = "jsonl"
    @Option(name: .long, help: "Output file (default: stdout).") var output: String?
    @Option(name: .long, help: "Only this project (default: every project).") var project: String?
    @Option(name: .long, help: "Only this namespace.") var namespace: String?
    @Option(name: .long, help: "Only memories owned by this agent.") var agentId: String?
    @Flag(name: .long, help: "Include embeddings (always on for pgsql).") var includeEmbeddings = false
    @Flag(name: .long, help: "Print a JSON summary.") var json = false

    func run() async throws {
        guard let fmt = ExportFormat(rawValue: format) else {
            throw ValidationError("--format must be one of: jsonl, json, csv, pgsql")
        }
        let store: Store
        do { store = try Store.openReadOnly(directory: dataDir) } catch {
            OpsSupport.note("export: cannot open \(dataDir): \(error)"); throw ExitCode(1)
        }
        let started = Date()
        let out = try OpsSupport.Output(path: output)
        var problems: [ExportError] = []
        var written = 0
        do {
            written = try exportAll(store, fmt, out, &problems)
            try out.commit()
        } catch {
            out.abandon()
            OpsSupport.note("export: \(error)")
            throw ExitCode(1)
        }
        for p in problems.prefix(20) { OpsSupport.note("export: skipped \(p)") }
        let secs = Date().timeIntervalSince(started)
        let summary = OpsSupport.jsonLine([("format", fmt.rawValue), ("output", output), ("memories", written),
                                           ("skipped", problems.count), ("bytes", out.bytes), ("seconds", (secs * 1000).rounded() / 1000)])
        if json { if output == nil { OpsSupport.note(summary) } else { print(summary) } }
        else { OpsSupport.note("export: \(written) memories (\(out.bytes) bytes, \(fmt.rawValue)) in \(String(format: "%.2f", secs)) s" + (problems.isEmpty ? "" : "; \(problems.count) rows skipped")) }
        if !problems.isEmpty { throw ExitCode(2) }
    }

    /// Memories in export order (created_at, id), page by page; for pgsql then the ACE tables.
    func exportAll(_ store: Store, _ fmt: ExportFormat, _ out: OpsSupport.Output, _ problems: inout [ExportError]) throws -> Int {
        let ns = namespace.flatMap { $0.isEmpty ? nil : $0 }
        let agent = agentId.flatMap { $0.isEmpty ? nil : $0 }
        let (projects, dimension, model, lsn) = store.read { v in (project.map { [$0] } ?? v.projectIds, v.dimension, v.embeddingModel, v.lastLSN) }
        var comment = ["source: \(dataDir) at LSN \(lsn), embedding model \(model ?? "-"), dimension \(dimension)"]
        if let project { comment.append("project: \(project)") }
        if let ns { comment.append("namespace: \(ns)") }
        if let agent { comment.append("agent_id: \(agent)") }
        var w = ExportWriter(format: fmt, includeEmbeddings: includeEmbeddings, dimension: dimension, comment: comment)
        var progress = OpsSupport.Progress(label: "export")
        var count = 0
        var total = 0
        var keysByProject: [(String, [(Int64, String)])] = []
        for p in projects {
            var keys: [(Int64, String)] = []
            store.read { v in
                v.forEachMemory(project: p, namespace: ns) { row in
                    if agent == nil || row.agentId == agent { keys.append((row.createdAt.microseconds, row.id)) }
                    return true
                }
            }
            keys.sort { $0 < $1 }
            total += keys.count
            keysByProject.append((p, keys))
        }
        for (p, keys) in keysByProject {
            var i = 0
            while i < keys.count {
                let page = keys[i..<min(i + 256, keys.count)]
                i += page.count
                let ms: [Memory] = store.read { v in page.compactMap { v.memory(project: p, id: $0.1) } }
                for m in ms {
                    do { try w.write(m); count += 1 } catch { problems.append(error) }
                }
                if w.pendingByteCount >= 1 << 16 { try out.write(w.drain()) }
                progress.update(Int64(count), Int64(total), unit: "memories")
            }
        }
        if w.wantsACETables {
            for p in projects {
                var votes: [Vote] = []
                store.read { v in v.forEachVote(project: p) { votes.append($0) } }
                votes.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
                for v in votes { do { try w.write(v) } catch { problems.append(error) }; if w.pendingByteCount >= 1 << 16 { try out.write(w.drain()) } }
            }
            for p in projects {
                for s in store.read({ $0.sessions(project: p) }) where ns == nil || s.namespace == ns {
                    do { try w.write(s) } catch { problems.append(error) }
                }
            }
            for p in projects {
                for f in store.read({ $0.features(project: p, namespace: ns) }) {
                    do { try w.write(f) } catch { problems.append(error) }
                }
            }
        }
        w.finish()
        try out.write(w.drain())
        progress.done()
        return count
    }
}
