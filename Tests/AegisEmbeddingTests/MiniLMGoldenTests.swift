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
