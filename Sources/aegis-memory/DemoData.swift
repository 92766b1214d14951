import AegisCore
import AegisEmbedding
import AegisLog
import AegisStorage

/// The content of `demo-data`: memories whose texts mix a topic sentence with a few words of a
/// small vocabulary (seeded, so every run writes the same texts), embedded by the hashing
/// embedder the server uses with `AEGIS_EMBEDDER=hash`; votes on a quarter of them; five
/// sessions and features.
struct DemoData {
    let count: Int
    let commitBatch: Int
    let embedder: HashingEmbedder
    let project = "default-project"
    static let agents = ["planner", "coder", "reviewer", "tester"]
    static let topics = ["the team deadline is Friday", "use retries with backoff for HTTP calls", "draft: consider caching embeddings",
                         "policy: all agents log decisions", "note to self: rerun flaky test", "prefer small pull requests",
                         "the staging database is read-only on weekends", "customer reported slow search results",
                         "deploy only after the smoke tests pass", "summarise long threads before handing off"]
    static let words = ["api", "latency", "index", "cache", "queue", "retry", "timeout", "schema", "migration", "backup",
                        "release", "review", "budget", "invoice", "customer", "ticket", "incident", "alert", "metric", "dashboard",
                        "vector", "embedding", "graph", "search", "ranking", "filter", "session", "token", "agent", "planner",
                        "storage", "snapshot", "log", "replay", "shard", "replica", "lock", "thread", "memory", "disk",
                        "python", "swift", "rust", "docker", "kubernetes", "postgres", "redis", "nginx", "linux", "git",
                        "monday", "tuesday", "weekly", "quarterly", "urgent", "minor", "blocked", "done", "pending", "draft"]

    func text(_ i: Int) -> String {
        var rng = SplitMix64(seed: UInt64(i) &* 0x9E37_79B9)
        var t = Self.topics[i % Self.topics.count]
        for _ in 0..<(2 + Int(rng.next() % 5)) { t += " " + Self.words[Int(rng.next() % UInt64(Self.words.count))] }
        return t + " (#\(i))"
    }

    func memory(_ i: Int) -> Memory {
        let text = text(i)
        return Memory(id: Identifier.uuid4Hex(), projectId: project, agentId: Self.agents[i % Self.agents.count],
                      namespace: ["default", "project-x", "ops"][i % 3], memoryType: i % 10 == 0 ? .reflection : (i % 7 == 0 ? .strategy : .standard),
                      content: text, embedding: embedder.vector(text), metadata: ["source": .string("demo"), "i": .int(Int64(i))],
                      scope: [.global, .agentPrivate, .agentShared][i % 3], sharedWithAgents: i % 3 == 2 ? ["reviewer"] : [],
                      createdAt: .now())
    }

    /// Commits everything: memories in commits of `commitBatch` (one log record and one fsync
    /// each, like an import chunk), each followed by one commit of the votes on memories
    /// already written; then the sessions and features.
    func write(into store: Store) async throws {
        var ids: [String] = []
        ids.reserveCapacity(count)
        var memories: [StoreEvent] = [], votes: [StoreEvent] = []
        for i in 0..<count {
            let m = memory(i)
            ids.append(m.id)
            memories.append(.memoryPut(m))
            if i % 4 == 0 {
                votes.append(.vote(Vote(id: Identifier.randomHex(), memoryId: ids[i / 2], projectId: project,
                                        voterAgentId: Self.agents[(i + 1) % Self.agents.count], vote: i % 8 == 0 ? .harmful : .helpful, createdAt: .now())))
            }
            if memories.count == commitBatch || i == count - 1 {
                try await store.commit(memories)
                if !votes.isEmpty { try await store.commit(votes) }
                memories.removeAll(keepingCapacity: true)
                votes.removeAll(keepingCapacity: true)
            }
        }
        let agents = Self.agents
        for s in 0..<5 {
            try await store.commit([.sessionCreate(SessionProgress(id: Identifier.randomHex(), projectId: project, sessionId: "session-\(s)",
                                                                   agentId: agents[s % 4], completedItems: ["setup"], totalItems: 4, completedCount: 1, createdAt: .now()))])
            try await store.commit([.featureCreate(FeatureRecord(id: Identifier.randomHex(), projectId: project, sessionId: "session-\(s)",
                                                                 featureId: "feature-\(s)", description: "demo feature \(s)", createdAt: .now()))])
        }
    }
}
