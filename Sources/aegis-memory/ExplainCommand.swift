import AegisCore
import AegisEmbedding
import AegisEngine
import ArgumentParser
import Foundation

/// `aegis-memory explain --data-dir D [options] QUERY`: runs a query the way the server does
/// and prints how it ran — index walk or exact scan, ef, nodes visited, filter selectivity,
/// timings — the operations guide's `EXPLAIN ANALYZE` step. Read-only: works beside a running
/// server (it sees the data as of its last checkpoint plus the log).
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Show how a query runs: index or exact scan, ef, nodes visited, filter selectivity, time.")

    @Option(name: .long, help: "Data directory.") var dataDir: String
    @Option(name: .long, help: "Project (default: AEGIS_DEFAULT_PROJECT_ID or default-project).") var project: String?
    @Option(name: .long, help: "Namespace.") var namespace = "default"
    @Option(name: .long, help: "agent_id of /memories/query (own memories).") var agent: String?
    @Option(name: .long, help: "requesting_agent_id of /memories/query_cross_agent (ACL as this agent).") var requestingAgent: String?
    @Option(name: .long, help: "target_agent_ids for the cross-agent query (repeatable).") var target: [String] = []
    @Option(name: .long, help: "user_id filter.") var user: String?
    @Option(name: .long, help: "top_k.") var topK = 10
    @Option(name: .long, help: "min_score.") var minScore = 0.0
    @Option(name: .long, help: "ef_search for this query (default AEGIS_HNSW_EF_SEARCH or 100).") var ef: Int?
    @Option(name: .long, help: "Embedder: minilm | openai | hash (default: the one the store was built with).") var embedder: String?
    @Flag(name: .long, help: "Print JSON.") var json = false
    @Argument(help: "Query text.") var query: String

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let project = self.project ?? env["AEGIS_DEFAULT_PROJECT_ID"] ?? "default-project"
        let recorded = try? AegisEngine.recordedEmbeddingModel(directory: dataDir)
        let kind = embedder ?? env["AEGIS_EMBEDDER"] ?? (recorded?.name.hasPrefix("hash-") == true ? "hash" : recorded?.name == "all-MiniLM-L6-v2" ? "minilm" : "minilm")
        var environment = env
        if kind == "hash", let d = recorded?.dimension { environment["AEGIS_HASH_DIMENSION"] = String(d) }
        let emb: any Embedder
        do { emb = try EmbedderFactory.make(kind: kind, environment: environment) } catch {
            print("explain: cannot create the \(kind) embedder: \(error)")
            throw ExitCode(1)
        }
        var config = EngineConfiguration()
        if let v = env["AEGIS_HNSW_EF_SEARCH"].flatMap(Int.init) { config.hnswEfSearch = v }
        if env["AEGIS_HNSW_TRAVERSAL"]?.lowercased() == "float32" { config.hnswTraversalCodes = false }
        let engine: AegisEngine
        do { engine = try await AegisEngine.openReadOnly(directory: dataDir, embedder: emb, configuration: config) } catch {
            print("explain: \(error)")
            throw ExitCode(1)
        }
        let x: QueryExplanation
        if let r = requestingAgent {
            x = try await engine.explain(project: project, CrossAgentQueryRequest(
                query: query, requestingAgentId: r, targetAgentIds: target.isEmpty ? nil : target, userId: user,
                namespace: namespace, topK: topK, minScore: minScore, efSearch: ef))
        } else {
            x = try await engine.explain(project: project, QueryRequest(query: query, userId: user, agentId: agent, namespace: namespace,
                                                                       topK: topK, minScore: minScore, efSearch: ef))
        }
        if json {
            print("{\"mode\":\"\(x.mode)\",\"traversal\":\"\(config.hnswTraversalCodes ? "int8" : "float32")\",\"ef_search\":\(x.efSearch),\"nodes_visited\":\(x.nodesVisited),\"distance_computations\":\(x.distanceComputations),\"admitted\":\(x.admitted),\"total\":\(x.total),\"filter_selectivity\":\(x.filterSelectivity),\"fell_back_to_exact\":\(x.fellBackToExact),\"results\":\(x.resultCount),\"embed_ms\":\(x.embedMs),\"search_ms\":\(x.searchMs),\"total_ms\":\(x.totalMs)}")
        } else {
            print("filter: \(x.filter)")
            let walk = config.hnswTraversalCodes ? "HNSW graph walk on int8 codes, beam re-ranked with float32, filter inside the search"
                                                  : "HNSW graph walk (float32), filter inside the search"
            print("plan: \(x.mode == "index" ? walk : "exact scan of the admitted memories")\(x.fellBackToExact ? " (graph came up short: exact fallback)" : "")")
            print("ef_search: \(x.efSearch)  nodes visited: \(x.nodesVisited)  distance computations: \(x.distanceComputations)")
            print("admitted: \(x.admitted) of \(x.total) (selectivity \(String(format: "%.4f", x.filterSelectivity)))")
            print("results: \(x.resultCount)  embed: \(String(format: "%.3f", x.embedMs)) ms  search: \(String(format: "%.3f", x.searchMs)) ms  total: \(String(format: "%.3f", x.totalMs)) ms")
        }
    }
}
