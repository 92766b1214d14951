import AegisCore
import AegisEmbedding
import AegisEngine
import ArgumentParser
import Foundation

/// `aegis-memory bench hybrid`: what the lexical index costs (docs/benchmarks.md, "Hybrid
/// retrieval"). In one process, with the hashing embedder (no model): add throughput with and
/// without the lexical index (same texts, fresh in-memory engines), then, on one engine of
/// `--memories`, query latency p50/p95 of dense vs hybrid vs lexical retrieval (interleaved, same
/// queries), the lexical index's bytes against the vectors' bytes, and the start-up rebuild time.
struct BenchHybridCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hybrid",
        abstract: "Hybrid retrieval benchmark: add throughput with/without the BM25 index, query p50 dense vs hybrid, index bytes.")

    @Option(help: "Memories in the query engine.") var memories = 100_000
    @Option(help: "Words per memory.") var words = 100
    @Option(name: .customLong("add-compare"), help: "Memories added to each of the with/without engines for the throughput comparison.")
    var addCompare = 20_000
    @Option(help: "Queries per retrieval mode.") var queries = 300
    @Option(help: "Embedding dimension (384 = MiniLM's).") var dimension = 384
    @Option(help: "Items per add_batch.") var batch = 100

    func validate() throws {
        guard memories >= 100, words >= 1, addCompare >= 100, queries >= 1, (1...4096).contains(dimension), (1...100).contains(batch) else {
            throw ValidationError("need memories ≥ 100, words ≥ 1, add-compare ≥ 100, queries ≥ 1, dimension 1…4096, batch 1…100")
        }
    }

    /// A Zipf-like vocabulary of synthetic words plus one identifier per memory.
    struct Corpus {
        var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
        let vocabulary: [String] = (0..<20_000).map { "w" + String($0, radix: 36) }
        mutating func next() -> UInt64 {
            rng &+= 0x9E37_79B9_7F4A_7C15
            var z = rng
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func word() -> String {
            // Zipf-ish: index = n^(u^2) concentrates on the first words.
            let u = Double(next() % 1_000_000) / 1_000_000
            return vocabulary[min(vocabulary.count - 1, Int(pow(Double(vocabulary.count), u * u)))]
        }
        mutating func text(_ i: Int, words n: Int) -> String {
            var parts: [String] = []
            parts.reserveCapacity(n)
            for _ in 0..<(n - 1) { parts.append(word()) }
            parts.insert("ERR_BENCH_\(i)", at: Int(next() % UInt64(n)))
            return parts.joined(separator: " ")
        }
    }

    func makeEngine(lexical: Bool) async throws -> AegisEngine {
        var c = EngineConfiguration()
        c.lexicalIndex = lexical
        c.checkpointIntervalSeconds = 0
        c.ttlSweepIntervalSeconds = 0
        return try await AegisEngine.inMemory(embedder: try HashingEmbedder(dimension: dimension), configuration: c)
    }

    func fill(_ e: AegisEngine, count: Int) async throws -> Double {
        var corpus = Corpus()
        let t0 = Date()
        var i = 0
        while i < count {
            let n = min(batch, count - i)
            let items = (0..<n).map { AddMemoryRequest(content: corpus.text(i + $0, words: words), agentId: "agent-\((i + $0) % 8)", scope: "global") }
            _ = try await e.addBatch(project: "bench", AddBatchRequest(items: items))
            i += n
        }
        return Double(count) / Date().timeIntervalSince(t0)
    }

    func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
    }

    func run() async throws {
        // 1. Add throughput, interleaved halves so machine noise hits both.
        var withRate: [Double] = [], withoutRate: [Double] = []
        for round in 0..<2 {
            for lexical in (round == 0 ? [true, false] : [false, true]) {
                let e = try await makeEngine(lexical: lexical)
                let r = try await fill(e, count: addCompare / 2)
                if lexical { withRate.append(r) } else { withoutRate.append(r) }
                try await e.close()
            }
        }
        let addWith = withRate.reduce(0, +) / Double(withRate.count)
        let addWithout = withoutRate.reduce(0, +) / Double(withoutRate.count)
        print(String(format: "add (add_batch of %d, %d words): with lexical %.0f memories/s, without %.0f memories/s, drop %.1f%%",
                     batch, words, addWith, addWithout, 100 * (1 - addWith / addWithout)))

        // 2. One engine of `memories`.
        let e = try await makeEngine(lexical: true)
        let fillRate = try await fill(e, count: memories)
        let stats = e.lexicalStatistics()
        let vectorBytes = memories * dimension * 4
        print(String(format: "filled %d memories at %.0f/s; lexical index: %d terms, %d postings, %d bytes = %.1f%% of the vectors' %d bytes",
                     memories, fillRate, stats.terms, stats.postings, stats.bytes, 100 * Double(stats.bytes) / Double(vectorBytes), vectorBytes))
        let rebuild = e.rebuildLexicalIndex()
        print(String(format: "lexical index rebuild from the tables (start-up): %.2f s", rebuild))

        // 3. Queries: natural (4 words) and identifier, interleaved by mode.
        var corpus = Corpus()
        _ = corpus.next()
        var lat: [Retrieval: [Double]] = [:]
        var hits: [Retrieval: Int] = [:]
        for q in 0..<queries {
            let ident = q % 2 == 0
            let target = Int(corpus.next() % UInt64(memories))
            let text = ident ? "ERR_BENCH_\(target)" : (0..<4).map { _ in corpus.word() }.joined(separator: " ")
            for mode in [Retrieval.dense, .hybrid, .lexical] {
                let t0 = Date()
                let r = try await e.query(project: "bench", QueryRequest(query: text, topK: 10, retrieval: mode))
                lat[mode, default: []].append(Date().timeIntervalSince(t0) * 1000)
                if ident, r.memories.first?.content.contains("ERR_BENCH_\(target) ") == true
                    || r.memories.first?.content.hasSuffix("ERR_BENCH_\(target)") == true { hits[mode, default: 0] += 1 }
            }
        }
        for mode in [Retrieval.dense, .hybrid, .lexical] {
            let xs = lat[mode]!
            print(String(format: "query %@: p50 %.2f ms, p95 %.2f ms; identifier hit@1 %.3f", mode.rawValue,
                         percentile(xs, 0.5), percentile(xs, 0.95), Double(hits[mode] ?? 0) / Double((queries + 1) / 2)))
        }
        print(String(format: "hybrid p50 / dense p50 = %.2f", percentile(lat[.hybrid]!, 0.5) / percentile(lat[.dense]!, 0.5)))
        try await e.close()
    }
}
