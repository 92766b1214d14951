import AegisCore
import Foundation
import Testing
@testable import AegisEmbedding

/// The loopback stub (Fixtures/openai_stub.py), started once for all tests; it exits when this
/// process closes its stdin.
final class OpenAIStub: @unchecked Sendable {
    static let shared: Result<OpenAIStub, Error> = Result { try OpenAIStub() }
    let process = Process()
    let stdin = Pipe()
    let port: Int

    init() throws {
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", TestPaths.fixtures.appendingPathComponent("openai_stub.py").path]
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            guard let chunk = try stdout.fileHandleForReading.read(upToCount: 1), !chunk.isEmpty else { break }
            line.append(chunk)
        }
        guard let p = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw EmbeddingError(.unavailable, "stub did not print its port")
        }
        port = p
    }

    /// A base URL whose scenario state is private to the caller.
    func base(_ scenario: String) -> URL { URL(string: "http://127.0.0.1:\(port)/\(scenario)-\(UUID().uuidString)/v1")! }

    func stats(_ base: URL) throws -> [String: Any] {
        let url = base.deletingLastPathComponent().appendingPathComponent("stats")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
    }
}

@Suite struct OpenAIEmbedderTests {
    func embedder(_ scenario: String, dimensions: Int? = 8, timeout: TimeInterval = 30, attempts: Int = 4,
                  batch: Int = 2048, model: String = "test-embed") throws -> (OpenAIEmbedder, URL) {
        let base = try OpenAIStub.shared.get().base(scenario)
        var c = try OpenAIConfiguration(apiKey: "sk-test", baseURL: base, model: model, dimensions: dimensions)
        c.timeout = timeout
        c.maxAttempts = attempts
        c.initialBackoff = 0.05
        c.maxBackoff = 0.2
        c.maxBatch = batch
        c.maxRetryAfter = 5
        return (OpenAIEmbedder(configuration: c), base)
    }

    func code(_ body: () async throws -> Void) async -> EmbeddingError.Code? {
        do { try await body(); return nil } catch let e as EmbeddingError { return e.code } catch { return nil }
    }

    @Test func embedsInInputOrderWithKeyAndModel() async throws {
        let (e, base) = try embedder("ok")
        let v = try await e.embed(["alpha", "beta", "gamma \"quoted\" \n\t \u{1} ünïcode"])
        #expect(v.count == 3 && v.allSatisfy { $0.count == 8 })
        #expect(v.allSatisfy { abs($0.reduce(0) { $0 + $1 * $1 } - 1) < 1e-4 })
        let again = try await e.embed(["gamma \"quoted\" \n\t \u{1} ünïcode", "alpha"])
        #expect(again[0] == v[2] && again[1] == v[0])  // the stub answers in reverse order; index restores it
        let s = try OpenAIStub.shared.get().stats(base)
        #expect(s["auth"] as? String == "Bearer sk-test" && s["model"] as? String == "test-embed")
        #expect(e.health == .ready)
    }

    @Test func textEmbedding3ModelsGetTheDimensionsParameter() async throws {
        let (e, base) = try embedder("ok", dimensions: 256, model: "text-embedding-3-small")
        let v = try await e.embed(["x"])
        #expect(v[0].count == 256)
        #expect(try OpenAIStub.shared.get().stats(base)["dimensions"] as? Int == 256)
    }

    @Test func batchesOfAtMost2048Inputs() async throws {
        let (e, base) = try embedder("ok")
        let texts = (0..<5000).map { "t\($0)" }
        let v = try await e.embed(texts)
        #expect(v.count == 5000)
        let s = try OpenAIStub.shared.get().stats(base)
        #expect(s["requests"] as? Int == 3 && s["max_batch"] as? Int == 2048)
        #expect(e.batches(texts).map(\.count) == [2048, 2048, 904])
    }

    @Test func rateLimitHonoursRetryAfter() async throws {
        let (e, base) = try embedder("429once")
        let start = Date()
        let v = try await e.embed(["a"])
        let waited = Date().timeIntervalSince(start)
        #expect(v.count == 1 && waited >= 0.95, "waited \(waited) s")
        #expect(try OpenAIStub.shared.get().stats(base)["requests"] as? Int == 2)
        #expect(e.health.state == .degraded)  // it had to retry
    }

    @Test func retryAfterMilliseconds() async throws {
        let (e, _) = try embedder("429msonce")
        let start = Date()
        _ = try await e.embed(["a"])
        #expect(Date().timeIntervalSince(start) >= 0.19)
    }

    @Test func serverErrorsAreRetriedWithBackoff() async throws {
        let (e, base) = try embedder("500twice")
        _ = try await e.embed(["a"])
        #expect(try OpenAIStub.shared.get().stats(base)["requests"] as? Int == 3)
    }

    @Test func persistentServerErrorsGiveUnavailableAndHealthSaysWhy() async throws {
        let (e, base) = try embedder("500always", attempts: 3)
        let c = await code { _ = try await e.embed(["a"]) }
        #expect(c == .unavailable)
        #expect(try OpenAIStub.shared.get().stats(base)["requests"] as? Int == 3)
        #expect(e.health.state == .unavailable && e.health.reason?.contains("500") == true)
    }

    @Test func persistentRateLimitGivesRateLimited() async throws {
        let (e, _) = try embedder("429always", attempts: 2)
        #expect(await code { _ = try await e.embed(["a"]) } == .rateLimited)
    }

    @Test func retryAfterBeyondTheLimitFailsAtOnce() async throws {
        let (e, base) = try embedder("longretry")
        let start = Date()
        #expect(await code { _ = try await e.embed(["a"]) } == .rateLimited)
        #expect(Date().timeIntervalSince(start) < 60)  // did not wait the hour (nor retry: one request)
        #expect(try OpenAIStub.shared.get().stats(base)["requests"] as? Int == 1)
    }

    @Test func malformedJSONIsABadResponse() async throws {
        let (e, _) = try embedder("malformed")
        #expect(await code { _ = try await e.embed(["a"]) } == .badResponse)
        #expect(e.health.state == .unavailable)
    }

    @Test func wrongDimensionIsABadResponse() async throws {
        let (e, _) = try embedder("wrongdim")
        do { _ = try await e.embed(["a"]); Issue.record("expected an error") } catch let err as EmbeddingError {
            #expect(err.code == .badResponse && err.message.contains("7 dimensions, expected 8"))
        }
    }

    @Test func missingEmbeddingIsABadResponse() async throws {
        let (e, _) = try embedder("wrongcount")
        #expect(await code { _ = try await e.embed(["a", "b"]) } == .badResponse)
    }

    @Test func slowResponsesTimeOut() async throws {
        let (e, _) = try embedder("slow", timeout: 0.5, attempts: 1)
        let start = Date()
        do { _ = try await e.embed(["a"]); Issue.record("expected a timeout") } catch let err as EmbeddingError {
            #expect(err.code == .unavailable && err.message.contains("within"))
        }
        #expect(Date().timeIntervalSince(start) < 8)  // the stub answers only after 10 s
    }

    @Test func rejectedKeyIsNotRetried() async throws {
        let (e, base) = try embedder("unauthorized")
        do { _ = try await e.embed(["a"]); Issue.record("expected an error") } catch let err as EmbeddingError {
            #expect(err.code == .unavailable && err.message.contains("Incorrect API key"))
        }
        #expect(try OpenAIStub.shared.get().stats(base)["requests"] as? Int == 1)
    }

    @Test func badRequestCarriesTheProviderMessage() async throws {
        let (e, _) = try embedder("badrequest")
        do { _ = try await e.embed(["a"]); Issue.record("expected an error") } catch let err as EmbeddingError {
            #expect(err.code == .invalidInput && err.message.contains("maximum context length"))
        }
    }

    @Test func connectionRefusedIsUnavailable() async throws {
        var c = try OpenAIConfiguration(apiKey: "k", baseURL: URL(string: "http://127.0.0.1:1/v1")!, model: "m", dimensions: 8)
        c.maxAttempts = 2; c.initialBackoff = 0.01
        #expect(await code { _ = try await OpenAIEmbedder(configuration: c).embed(["a"]) } == .unavailable)
    }

    @Test func emptyTextIsRejectedBeforeAnyRequest() async throws {
        let (e, _) = try embedder("ok")
        #expect(await code { _ = try await e.embed(["a", ""]) } == .invalidInput)
    }

    @Test func configurationFromEnvironment() throws {
        let c = try OpenAIConfiguration(environment: ["openai_api_key": "sk-1", "OPENAI_BASE_URL": "http://localhost:9999/v1/",
                                                      "EMBEDDING_DIMENSIONS": "512", "OPENAI_TIMEOUT": "2.5", "OPENAI_MAX_RETRIES": "1"])
        #expect(c.apiKey == "sk-1" && c.baseURL.absoluteString == "http://localhost:9999/v1")
        #expect(c.model == "text-embedding-3-small" && c.dimensions == 512 && c.sendDimensions)
        #expect(c.timeout == 2.5 && c.maxAttempts == 2 && c.maxBatch == 2048)
        let d = try OpenAIConfiguration(environment: ["OPENAI_API_KEY": "k"])
        #expect(d.dimensions == 1536 && !d.sendDimensions)
        #expect(throws: EmbeddingError.self) { try OpenAIConfiguration(environment: [:]) }  // api.openai.com needs a key
        #expect(throws: EmbeddingError.self) { try OpenAIConfiguration(environment: ["OPENAI_API_KEY": "k", "OPENAI_EMBED_MODEL": "custom"]) }
        #expect(throws: EmbeddingError.self) { try OpenAIConfiguration(environment: ["OPENAI_API_KEY": "k", "EMBEDDING_DIMENSIONS": "abc"]) }
        #expect(throws: EmbeddingError.self) { try OpenAIConfiguration(environment: ["OPENAI_API_KEY": "k", "OPENAI_EMBED_BATCH": "5000"]) }
        #expect(throws: EmbeddingError.self) { try OpenAIConfiguration(environment: ["OPENAI_API_KEY": "k", "OPENAI_BASE_URL": "ftp://x"]) }
        // A local OpenAI-compatible server needs no key.
        #expect(try OpenAIConfiguration(environment: ["OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "OPENAI_EMBED_MODEL": "nomic", "EMBEDDING_DIMENSIONS": "768"]).apiKey == nil)
    }

    @Test func requestBodyIsValidJSONWithFixedKeyOrder() throws {
        let body = OpenAIWire.requestBody(model: "m", inputs: ["a\"b\\c\n\u{0}é"], dimensions: 3)
        let s = String(decoding: body, as: UTF8.self)
        #expect(s.hasPrefix(#"{"model":"m","input":["#) && s.hasSuffix(#""encoding_format":"float","dimensions":3}"#))
        let obj = try JSONSerialization.jsonObject(with: body) as! [String: Any]
        #expect((obj["input"] as! [String])[0] == "a\"b\\c\n\u{0}é")
    }
}
