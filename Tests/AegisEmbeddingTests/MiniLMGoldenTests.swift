import Foundation
import Testing
@testable import AegisEmbedding

@Suite struct MiniLMGoldenTests {
    struct Golden: Decodable { let text: String; let embedding: [Float] }

    static func goldens() throws -> [Golden] {
        let data = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("minilm-golden.jsonl"))
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(Golden.self, from: Data($0)) }
    }

    @Test func allFortyGoldenSentencesMatchTheReference() async throws {
        let golden = try Self.goldens()
        #expect(golden.count == 40)
        let model = try SharedModel.get()
        #expect(model.dimension == 384 && model.modelName == "all-MiniLM-L6-v2")
        let vectors = try await model.embed(golden.map(\.text))
        var worst = 1.0
        for (g, v) in zip(golden, vectors) {
            #expect(v.count == 384)
            let c = cosine(g.embedding, v)
            worst = min(worst, c)
            #expect(c >= 0.999, "cosine \(c) for \(g.text)")
        }
        print("MiniLM golden: worst cosine \(worst)")
    }

    @Test(arguments: [
        ("The new movie is awesome", "The new movie is so great", 0.8939),
        ("The cat sits outside", "The cat plays in the garden", 0.6788),
        ("I love pasta", "Do you like pizza?", 0.5096),
    ])
    func quickstartSimilarities(a: String, b: String, expected: Double) async throws {
        let v = try await SharedModel.get().embed([a, b])
        let c = cosine(v[0], v[1])
        #expect(abs(c - expected) <= 0.005, "\(a) / \(b): \(c), expected \(expected)")
    }

    @Test func batchingDoesNotChangeResults() async throws {
        let golden = try Self.goldens().prefix(8).map(\.text)
        let model = try SharedModel.get()
        let batch = try await model.embed(golden)
        for (i, t) in golden.enumerated() {
            let single = try await model.embed([t])[0]
            #expect(cosine(single, batch[i]) > 0.99999)
        }
    }

    @Test func concurrentCallersAreMergedIntoRoundsAndGetTheirOwnVectors() async throws {
        let golden = Array(try Self.goldens().prefix(12))
        // Rounds of 8 texts: the big batch is served in slices between the single queries.
        let model = MiniLMEmbedder(model: try SharedModel.get().model, roundBudget: 8)
        let big = (0..<20).map { golden[$0 % golden.count].text }
        let results = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { g in
            g.addTask { (-1, try await model.embed(big)) }
            for i in 0..<golden.count { g.addTask { (i, try await model.embed([golden[i].text])) } }
            var out: [Int: [[Float]]] = [:]
            for try await (i, v) in g { out[i] = v }
            return out
        }
        for i in 0..<golden.count {
            #expect(results[i]?.count == 1)
            #expect(cosine(results[i]![0], golden[i].embedding) >= 0.999)
        }
        let b = try #require(results[-1])
        #expect(b.count == big.count)
        for (j, v) in b.enumerated() { #expect(cosine(v, golden[j % golden.count].embedding) >= 0.999) }
    }

    @Test func vectorsAreUnitLengthEvenForEmptyAndLongInput() async throws {
        let long = String(repeating: "memory engines keep agents consistent ", count: 400)
        let v = try await SharedModel.get().embed(["", long, "😀"])
        for x in v {
            let n = x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(n - 1) < 1e-4)
            #expect(x.allSatisfy { $0.isFinite })
        }
    }
}
