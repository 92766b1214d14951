import AegisCore
import AegisEngine
import AegisLexical
import AegisStorage
import ArgumentParser

/// `aegis-memory stats --data-dir D [--json]`: counts per project / namespace / agent / type,
/// disk use and LSNs. Read-only (works beside a running server).
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Show counts per project, namespace, agent and type, disk use and LSNs of a data directory.")

    @Option(name: .long, help: "Data directory.")
    var dataDir: String

    @Flag(name: .long, help: "Print JSON.")
    var json = false

    func run() async throws {
        let store: Store
        do { store = try Store.openReadOnly(directory: dataDir) } catch {
            print("stats: cannot open \(dataDir): \(error)")
            throw ExitCode(1)
        }
        let s = StoreStatistics.compute(store)
        let index = IndexVerifier.summary(of: store)
        let memory = MemoryUsage.estimate(store: store, savedIndex: index)
        let lexical = LexicalSummary.compute(store: store)
        print(json ? StatsCommand.json(s, index: index, memory: memory, lexical: lexical)
                   : StatsCommand.text(s, index: index, memory: memory, lexical: lexical))
    }

    static func text(_ s: StoreStatistics, index: SavedIndexSummary? = nil, memory: MemoryUsage? = nil,
                     lexical: LexicalStatistics? = nil) -> String {
        var out: [String] = []
        out.append("embedding model: \(s.embeddingModel ?? "(none)")  dimension: \(s.dimension)")
        out.append("last LSN: \(s.lastLSN)  snapshot LSN: \(s.snapshotLSN.map(String.init) ?? "none")  log first LSN: \(s.logFirstLSN.map(String.init) ?? "none")")
        out.append("disk: log \(s.logSegments) segments \(s.logBytes) B, snapshots \(s.snapshotFiles) files \(s.snapshotBytes) B, archive \(s.archiveBytes) B")
        if s.projects.isEmpty { out.append("no data") }
        for p in s.projects {
            out.append("project \(p.id): \(p.memories) memories (\(p.deprecated) deprecated, \(p.expired) expired), \(p.votes) votes, \(p.sessions) sessions, \(p.features) features")
            func line(_ title: String, _ d: [String: Int]) {
                let items = d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
                    .map { "\($0.key.isEmpty ? "(none)" : $0.key)=\($0.value)" }
                out.append("  \(title): " + (items.isEmpty ? "-" : items.joined(separator: " ")))
            }
            line("namespaces", p.byNamespace)
            line("agents", p.byAgent)
            line("types", p.byType)
            line("scopes", p.byScope)
        }
        if let index { out.append(contentsOf: indexText(index)) }
        if let memory {
            out.append("memory once served (estimate, docs/operations.md \"Memory\"): " + memory.components.map { "\($0.name)=\($0.bytes)" }.joined(separator: " ") + " total=\(memory.total)")
        }
        if let l = lexical {
            out.append("lexical index (BM25, rebuilt from the tables at start-up): \(l.documents) documents, \(l.terms) terms, \(l.postings) postings, \(l.bytes) B")
        }
        return out.joined(separator: "\n")
    }

    static func json(_ s: StoreStatistics, index: SavedIndexSummary? = nil, memory: MemoryUsage? = nil,
                     lexical: LexicalStatistics? = nil) -> String {
        func str(_ v: String?) -> String {
            guard let v else { return "null" }
            var o = "\""
            for u in v.unicodeScalars {
                switch u {
                case "\"": o += "\\\""
                case "\\": o += "\\\\"
                case "\n": o += "\\n"
                case "\r": o += "\\r"
                case "\t": o += "\\t"
                default:
                    if u.value < 0x20 { o += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) }
                    else { o.unicodeScalars.append(u) }
                }
            }
            return o + "\""
        }
        func dict(_ d: [String: Int]) -> String {
            "{" + d.keys.sorted().map { "\(str($0)):\(d[$0]!)" }.joined(separator: ",") + "}"
        }
        func opt(_ v: UInt64?) -> String { v.map(String.init) ?? "null" }
        let projects = s.projects.map { p in
            "{\"id\":\(str(p.id)),\"memories\":\(p.memories),\"deprecated\":\(p.deprecated),\"expired\":\(p.expired),\"votes\":\(p.votes),\"sessions\":\(p.sessions),\"features\":\(p.features),\"namespaces\":\(dict(p.byNamespace)),\"agents\":\(dict(p.byAgent)),\"types\":\(dict(p.byType)),\"scopes\":\(dict(p.byScope))}"
        }
        return "{\"embedding_model\":\(str(s.embeddingModel)),\"dimension\":\(s.dimension),\"last_lsn\":\(s.lastLSN),\"snapshot_lsn\":\(opt(s.snapshotLSN)),\"log_first_lsn\":\(opt(s.logFirstLSN)),\"disk\":{\"log_segments\":\(s.logSegments),\"log_bytes\":\(s.logBytes),\"snapshot_files\":\(s.snapshotFiles),\"snapshot_bytes\":\(s.snapshotBytes),\"archive_bytes\":\(s.archiveBytes)},\"projects\":[\(projects.joined(separator: ","))]\(index.map { ",\"index\":" + indexJSON($0, str: str) } ?? "")\(memory.map { ",\"memory_bytes\":" + memoryJSON($0) } ?? "")\(lexical.map { ",\"lexical\":{\"documents\":\($0.documents),\"terms\":\($0.terms),\"postings\":\($0.postings),\"bytes\":\($0.bytes)}" } ?? "")}"
    }

    /// The saved HNSW graphs (newest snapshot's index section), one line per project.
    static func indexText(_ x: SavedIndexSummary) -> [String] {
        let params = x.pinned.map { "pinned \($0)" } ?? "from settings (default m=16 ef_construction=64)"
        guard let lsn = x.indexLSN else { return ["index: no saved graph (built from the tables at start-up); parameters \(params)"] }
        guard x.sectionValid else { return ["index: saved section at LSN \(lsn) (\(x.sectionBytes) B) is DAMAGED (rebuilt at start-up; run verify)"] }
        var out = ["index: saved at LSN \(lsn) (\(x.sectionBytes) B), build parameters \(params)"]
        for p in x.projects {
            if let n = p.graphNodes {
                out.append("  project \(p.project): \(n) nodes, \(p.graphTombstones ?? 0) deleted, \(p.usedSlots)/\(p.slots) slots used, m=\(p.m ?? 0) ef_construction=\(p.efConstruction ?? 0) ef_search=\(p.efSearch ?? 0), graph \(p.graphBytes) B")
            } else {
                out.append("  project \(p.project): \(p.usedSlots)/\(p.slots) slots used, no usable graph (\(p.graphBytes) B; rebuilt at start-up)")
            }
        }
        return out
    }

    static func indexJSON(_ x: SavedIndexSummary, str: (String?) -> String) -> String {
        func int(_ v: Int?) -> String { v.map(String.init) ?? "null" }
        let pinned = x.pinned.map { "{\"m\":\($0.m),\"ef_construction\":\($0.efConstruction)}" } ?? "null"
        let projects = x.projects.map { p in
            "{\"project\":\(str(p.project)),\"slots\":\(p.slots),\"used_slots\":\(p.usedSlots),\"graph_nodes\":\(int(p.graphNodes)),\"graph_deleted\":\(int(p.graphTombstones)),\"m\":\(int(p.m)),\"ef_construction\":\(int(p.efConstruction)),\"ef_search\":\(int(p.efSearch)),\"graph_bytes\":\(p.graphBytes)}"
        }
        return "{\"saved\":\(x.indexLSN != nil),\"lsn\":\(x.indexLSN.map(String.init) ?? "null"),\"section_bytes\":\(x.sectionBytes),\"valid\":\(x.sectionValid),\"parameters_source\":\(str(x.pinned == nil ? "settings" : "pinned")),\"pinned\":\(pinned),\"projects\":[\(projects.joined(separator: ","))]}"
    }

    /// `aegis_memory_bytes` components as a server would hold this store (docs/operations.md, "Memory").
    static func memoryJSON(_ m: MemoryUsage) -> String {
        "{" + m.components.map { "\"\($0.name)\":\($0.bytes)" }.joined(separator: ",") + ",\"total\":\(m.total)}"
    }
}
