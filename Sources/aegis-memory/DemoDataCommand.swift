import AegisCore
import AegisStorage
import ArgumentParser

/// `aegis-memory demo-data --data-dir D [--count N]`: fills a store with a small, realistic
/// multi-agent data set (memories in a few namespaces, votes, sessions, features) and writes a
/// snapshot, so `stats` / `verify` have something real to show. Vectors come from a
/// deterministic hash of the text (model `demo-hash-<dim>`), not from a language model.
struct DemoDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo-data",
        abstract: "Create a demo store (memories, votes, sessions, features) for trying stats/verify.")

    @Option(name: .long) var dataDir: String
    @Option(name: .long) var count: Int = 500
    @Option(name: .long) var dimension: Int = 384
    @Option(name: .long, help: "Memories per commit (one log record and fsync each; 1 = one commit per memory).")
    var commitBatch: Int = 256

    func validate() throws {
        guard count >= 0 else { throw ValidationError("--count must be >= 0") }
        guard (1...4096).contains(commitBatch) else { throw ValidationError("--commit-batch must be in 1...4096") }
    }

    func run() async throws {
        let store = try await Store.open(directory: dataDir, options: StoreOptions(embeddingModel: "demo-hash-\(dimension)", dimension: dimension))
        let project = "default-project"
        let agents = ["planner", "coder", "reviewer", "tester"]
        let topics = ["the team deadline is Friday", "use retries with backoff for HTTP calls", "draft: consider caching embeddings",
                      "policy: all agents log decisions", "note to self: rerun flaky test", "prefer small pull requests"]
        var ids: [String] = []
        // Memories go in commits of `commitBatch` (one log record and one fsync each, like an
        // import chunk), each followed by one commit of the votes on memories already written.
        let chunk = commitBatch
        var memories: [StoreEvent] = [], votes: [StoreEvent] = []
        for i in 0..<count {
            let text = "\(topics[i % topics.count]) (#\(i))"
            let m = Memory(id: Identifier.uuid4Hex(), projectId: project, agentId: agents[i % agents.count],
                           namespace: ["default", "project-x", "ops"][i % 3], memoryType: i % 10 == 0 ? .reflection : (i % 7 == 0 ? .strategy : .standard),
                           content: text, embedding: DemoDataCommand.vector(text, dimension), metadata: ["source": .string("demo"), "i": .int(Int64(i))],
                           scope: [.global, .agentPrivate, .agentShared][i % 3], sharedWithAgents: i % 3 == 2 ? ["reviewer"] : [],
                           createdAt: .now())
            ids.append(m.id)
            memories.append(.memoryPut(m))
            if i % 4 == 0 {
                votes.append(.vote(Vote(id: Identifier.randomHex(), memoryId: ids[i / 2], projectId: project,
                                        voterAgentId: agents[(i + 1) % agents.count], vote: i % 8 == 0 ? .harmful : .helpful, createdAt: .now())))
            }
            if memories.count == chunk || i == count - 1 {
                try await store.commit(memories)
                if !votes.isEmpty { try await store.commit(votes) }
                memories.removeAll(keepingCapacity: true)
                votes.removeAll(keepingCapacity: true)
            }
        }
        for s in 0..<5 {
            try await store.commit([.sessionCreate(SessionProgress(id: Identifier.randomHex(), projectId: project, sessionId: "session-\(s)",
                                                                   agentId: agents[s % 4], completedItems: ["setup"], totalItems: 4, completedCount: 1, createdAt: .now()))])
            try await store.commit([.featureCreate(FeatureRecord(id: Identifier.randomHex(), projectId: project, sessionId: "session-\(s)",
                                                                 featureId: "feature-\(s)", description: "demo feature \(s)", createdAt: .now()))])
        }
        let info = try await store.checkpoint()
        print("demo-data: \(count) memories in \(dataDir), snapshot at LSN \(info.lsn) (\(info.fileSize) bytes)")
        try await store.close()
    }

    /// A unit vector derived from the text's SHA-256 (deterministic, no model).
    static func vector(_ text: String, _ dim: Int) -> [Float] {
        var seed = Array(SHA256.hexDigest(text.utf8).utf8)
        var v = [Float](repeating: 0, count: dim)
        var norm: Float = 0
        for i in 0..<dim {
            let b = seed[i % seed.count]
            seed[i % seed.count] = b &* 31 &+ UInt8(truncatingIfNeeded: i)
            v[i] = Float(Int(b) - 80) / 40
            norm += v[i] * v[i]
        }
        let n = norm.squareRoot()
        return n > 0 ? v.map { $0 / n } : v
    }
}
