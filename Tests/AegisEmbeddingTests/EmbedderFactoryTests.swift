import AegisCore
import Foundation
import Testing
@testable import AegisEmbedding

@Suite struct EmbedderFactoryTests {
    @Test func hashKindWithConfiguredDimension() async throws {
        let e = try EmbedderFactory.make(kind: "hash", environment: ["aegis_hash_dimension": "64"])
        #expect(e.modelName == "hash-64" && e.dimension == 64)
        #expect(try await e.embed(["x"])[0].count == 64)
        #expect(e.health == .ready)
    }

    @Test func minilmKindUsesTheModelDirectoryAndPersistentCache() async throws {
        let dir = try temporaryDirectory("factory")
        defer { try? FileManager.default.removeItem(at: dir) }
        let e = try EmbedderFactory.makeCached(kind: "MiniLM", environment: ["AEGIS_MODEL_DIR": TestPaths.modelDirectory],
                                               cacheDirectory: dir.path)
        #expect(e.modelName == "all-MiniLM-L6-v2" && e.dimension == 384)
        _ = try await e.embed(["hello"])
        #expect(e.statistics.misses == 1 && e.statistics.persistentEntries == 1)
    }

    @Test func missingModelIsModelMissing() {
        do {
            _ = try EmbedderFactory.make(kind: "minilm", environment: [:], modelDirectory: "/nonexistent")
            Issue.record("expected an error")
        } catch let e as EmbeddingError {
            #expect(e.code == .modelMissing && e.message.contains("/nonexistent"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test func openAIKindReadsTheEnvironment() throws {
        let e = try EmbedderFactory.make(kind: "openai", environment: ["OPENAI_API_KEY": "k", "EMBEDDING_DIMENSIONS": "256"])
        #expect(e.modelName == "text-embedding-3-small" && e.dimension == 256)
        #expect(throws: EmbeddingError.self) { _ = try EmbedderFactory.make(kind: "openai", environment: [:]) }
    }

    @Test func unknownKindIsRejected() {
        #expect(throws: EmbeddingError.self) { _ = try EmbedderFactory.make(kind: "word2vec", environment: [:]) }
        #expect(throws: EmbeddingError.self) { _ = try EmbedderFactory.make(kind: "hash", environment: ["AEGIS_EMBED_CACHE_SIZE": "-1"]) }
    }
}

@Suite struct EmbedderCompatibilityTests {
    @Test func sameModelPassesDifferentModelNamesBoth() throws {
        let e = try HashingEmbedder(dimension: 384)
        try EmbedderCompatibility.check(storedModel: "hash-384", storedDimension: 384, embedder: e)
        do {
            try EmbedderCompatibility.check(storedModel: "all-MiniLM-L6-v2", storedDimension: 384, embedder: e)
            Issue.record("expected an error")
        } catch let err as EmbeddingError {
            #expect(err.message.contains("all-MiniLM-L6-v2") && err.message.contains("hash-384") && err.message.contains("reembed"))
        }
    }
}
