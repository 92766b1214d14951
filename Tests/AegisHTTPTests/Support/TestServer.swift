import AegisCore
import AegisEngine
import Foundation
import Logging
@testable import AegisHTTP

/// A real `AegisHTTPServer` on a free loopback port over an in-memory engine with a
/// deterministic hashing embedder. `stop()` cancels the server task.
final class TestServer: Sendable {
    let server: AegisHTTPServer
    let port: Int
    let client: LoopbackClient
    private let task: Task<Void, any Error>
    let tempDir: String

    static let devKey = "test-key"

    /// `configure` adjusts the HTTP configuration; `keys` are written to the key file first.
    static func start(configure: (inout HTTPServerConfiguration) -> Void = { _ in },
                      keys: [APIKeyRecord] = [],
                      singleKey: String? = TestServer.devKey,
                      embedder: any Embedder = TestHashEmbedder()) async throws -> TestServer {
        var cfg = HTTPServerConfiguration()
        cfg.host = "127.0.0.1"
        cfg.port = 0
        cfg.rateLimits = .init(perMinute: 0, perHour: 0)
        configure(&cfg)
        let dir = NSTemporaryDirectory() + "aegis-http-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let keyFile = dir + "/" + APIKeyFileFormat.fileName
        if !keys.isEmpty { try Data(APIKeyFileFormat.encode(keys)).write(to: URL(fileURLWithPath: keyFile)) }
        let auth = Authenticator(.init(singleKey: singleKey, defaultProject: "default-project", keyFilePath: keyFile))
        let engine = try await AegisEngine.inMemory(embedder: embedder)
        var logger = Logger(label: "aegis.http.test")
        logger.logLevel = .critical
        let server = AegisHTTPServer(engine: engine, configuration: cfg, authenticator: auth, embedder: embedder, logger: logger)
        let (stream, cont) = AsyncStream<Int>.makeStream()
        let app = server.application { port in cont.yield(port); cont.finish() }
        let task = Task { try await app.run() }
        var port = 0
        for await p in stream { port = p }
        return TestServer(server: server, port: port, task: task, tempDir: dir)
    }

    private init(server: AegisHTTPServer, port: Int, task: Task<Void, any Error>, tempDir: String) {
        self.server = server; self.port = port; self.task = task; self.tempDir = tempDir
        self.client = LoopbackClient(port: port)
    }

    func stop() async {
        task.cancel()
        _ = await task.result
        try? FileManager.default.removeItem(atPath: tempDir)
    }

    /// Named key record for `secret` (stored hashed, as the key file does).
    static func key(_ secret: String, project: String, agent: String? = nil, id: String? = nil,
                    expiresAt: Timestamp? = nil, revokedAt: Timestamp? = nil) -> APIKeyRecord {
        APIKeyRecord(id: id ?? String(SHA256.hexDigest(Array(secret.utf8)).prefix(8)), project: project, agent: agent,
                     hash: SHA256.hexDigest(Array(secret.utf8)), createdAt: Timestamp.now(),
                     expiresAt: expiresAt, revokedAt: revokedAt)
    }
}

/// Runs `body` against a fresh server and always stops it.
func withServer<T>(configure: (inout HTTPServerConfiguration) -> Void = { _ in }, keys: [APIKeyRecord] = [],
                   singleKey: String? = TestServer.devKey,
                   _ body: (TestServer) async throws -> T) async throws -> T {
    let s = try await TestServer.start(configure: configure, keys: keys, singleKey: singleKey)
    do {
        let r = try await body(s)
        await s.stop()
        return r
    } catch {
        await s.stop()
        throw error
    }
}

/// Word-hashing embedder: deterministic, cheap, similar texts share dimensions.
struct TestHashEmbedder: Embedder {
    var dimension: Int { 64 }
    var modelName: String { "test-hash-64" }
    func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map { t in
            var v = [Float](repeating: 0, count: 64)
            for w in t.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
                var h: UInt64 = 0xcbf29ce484222325
                for b in w.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
                v[Int(h % 64)] += 1
            }
            let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if n == 0 { v[0] = 1; return v }
            return v.map { $0 / n }
        }
    }
}

/// An embedder that always fails (for `/ready`).
struct FailingEmbedder: Embedder {
    var dimension: Int { 64 }
    var modelName: String { "failing" }
    func embed(_ texts: [String]) async throws -> [[Float]] { throw EmbeddingError(.unavailable, "down for the test") }
}
