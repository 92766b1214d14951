import AegisCore
import Foundation
import Testing
@testable import AegisEmbedding

@Suite struct HashingEmbedderTests {
    @Test func deterministicUnitVectorsOfTheConfiguredDimension() async throws {
        for d in [1, 16, 384, 1536] {
            let e = try HashingEmbedder(dimension: d)
            #expect(e.modelName == "hash-\(d)" && e.dimension == d)
            let a = try await e.embed(["The quick brown fox", "", "!!!", "The quick brown fox"])
            for v in a {
                #expect(v.count == d)
                #expect(abs(v.reduce(0) { $0 + $1 * $1 } - 1) < 1e-5)
            }
            #expect(a[0] == a[3])
        }
    }

    @Test func knownVectorIsStableAcrossRunsAndPlatforms() throws {
        // Pins the hashing scheme: changing it silently would invalidate stored vectors.
        let v = try HashingEmbedder(dimension: 8).vector("hello world")
        let nonZero = v.enumerated().filter { $0.element != 0 }.map(\.offset)
        let again = try HashingEmbedder(dimension: 8).vector("HELLO, world!")
        #expect(v == again)  // case and punctuation do not matter
        #expect(!nonZero.isEmpty && nonZero.count <= 3)
    }

    @Test func sharedWordsGiveHigherSimilarity() async throws {
        let e = try HashingEmbedder()
        let v = try await e.embed(["agents share memory across sessions", "agents share memory between sessions", "bananas are yellow fruit"])
        #expect(cosine(v[0], v[1]) > 0.5)
        #expect(cosine(v[0], v[1]) > cosine(v[0], v[2]) + 0.3)
    }

    @Test func invalidDimensionIsRejected() {
        #expect(throws: EmbeddingError.self) { try HashingEmbedder(dimension: 0) }
        #expect(throws: EmbeddingError.self) { try HashingEmbedder(dimension: 1_000_000) }
    }
}
