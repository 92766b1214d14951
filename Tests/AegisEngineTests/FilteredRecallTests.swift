import Testing
import AegisCore
@testable import AegisEngine

/// R19: filtered search returns min(k, qualifying) results at every selectivity and keeps
/// recall against the exact answer, in graph mode.
@Suite struct FilteredRecallTests {
    /// Both traversal modes: int8 codes (the default) and float32. Scores must be exact either way.
    @Test(arguments: [true, false])
    func countAndRecallAcrossSelectivities(codes: Bool) async throws {
        let backend = InMemoryBackend()
        var graph = EngineConfiguration()
        graph.hnswTraversalCodes = codes
        graph.exactScanThreshold = 50
        graph.exactScanSelectivity = 0.005
        let e = try await makeEngine(backend, configuration: graph)
        let n = 800
        var rng = SplitMix(seed: 5)
        // A large vocabulary: few exact ties, so recall by id is meaningful.
        let vocab = (0..<400).map { "w\($0)x\($0 * 7919 % 1000)" }
        var items: [AddMemoryRequest] = []
        for i in 0..<n {
            let words = (0..<6).map { _ in vocab[Int(rng.next() % UInt64(vocab.count))] }.joined(separator: " ")
            // Owner o(i): agent-0 owns 50%, agent-1 10%, agent-2 1%, agent-3 0.25%, rest spread.
            let r = i % 400
            let owner = r < 200 ? "agent-0" : r < 240 ? "agent-1" : r < 244 ? "agent-2" : r == 244 ? "agent-3" : "agent-\(4 + r % 7)"
            items.append(AddMemoryRequest(content: "\(words) #\(i)", agentId: owner, scope: "global"))
            if items.count == 100 { _ = try await e.addBatch(project: P, AddBatchRequest(items: items)); items = [] }
        }
        var exactConfig = EngineConfiguration()
        exactConfig.exactScanThreshold = 1_000_000
        exactConfig.hnswM = 2; exactConfig.hnswEfConstruction = 2   // graph unused: keep its build cheap
        let oracle = try await makeEngine(backend, configuration: exactConfig)
        let owners: [(String, Int)] = [("agent-0", 400), ("agent-1", 80), ("agent-2", 8), ("agent-3", 2)]
        for (owner, qualifying) in owners {
            var hitsTotal = 0, found = 0
            for q in 0..<12 {
                let text = (0..<3).map { _ in vocab[Int(rng.next() % UInt64(vocab.count))] }.joined(separator: " ")
                let req = CrossAgentQueryRequest(query: text, requestingAgentId: "reader", targetAgentIds: [owner], topK: 10, minScore: 0)
                let got = try await e.queryCrossAgent(project: P, req).memories
                let truthAll = try await oracle.queryCrossAgent(project: P, req).memories
                // min_score 0 drops negative similarities; count must equal the exact count.
                #expect(got.count == truthAll.count, "owner \(owner) query \(q)")
                #expect(got.count <= min(10, qualifying))
                hitsTotal += truthAll.count
                found += Set(got.map(\.id)).intersection(truthAll.map(\.id)).count
                let exactScores = Dictionary(truthAll.map { ($0.id, $0.score) }, uniquingKeysWith: { a, _ in a })
                for m in got where exactScores[m.id] != nil {
                    #expect(m.score == exactScores[m.id]!, "score of \(m.id) (owner \(owner))")
                }
            }
            let recall = hitsTotal == 0 ? 1 : Double(found) / Double(hitsTotal)
            #expect(recall >= 0.95, "recall \(recall) for \(owner)")
        }
        // Unfiltered-ish (global only): every query returns exactly top_k.
        for _ in 0..<10 {
            let text = (0..<3).map { _ in vocab[Int(rng.next() % UInt64(vocab.count))] }.joined(separator: " ")
            let r = try await e.query(project: P, QueryRequest(query: text, topK: 25, minScore: 0))
            let t = try await oracle.query(project: P, QueryRequest(query: text, topK: 25, minScore: 0))
            #expect(r.memories.count == t.memories.count)
        }
        let ex = try await e.explain(project: P, CrossAgentQueryRequest(query: "alpha beta", requestingAgentId: "r", targetAgentIds: ["agent-0"]))
        #expect(ex.mode == "index" && ex.admitted == 400 && ex.total == n)
    }
}
