import AegisCore
import AegisEmbedding
@testable import AegisEngine

/// Deterministic bag-of-words hashing embedder (test-only; AegisEmbedding's HashEmbedder
/// replaces it once landed). Similar word sets → similar vectors.
struct TestHashEmbedder: Embedder {
    var modelName: String = "test-hash-64"
    var dimension: Int = 64
    func embed(_ texts: [String]) async throws -> [[Float]] { texts.map(vector) }
    func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        let words = text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) })
        for w in words {
            var h: UInt64 = 0xcbf29ce484222325
            for b in w.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
            v[Int(h % UInt64(dimension))] += (h >> 63) == 0 ? 1 : -1
        }
        if words.isEmpty { v[0] = 1 }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return n > 0 ? v.map { $0 / n } : v
    }
}

/// An embedder that fails (embedding service down).
struct FailingEmbedder: Embedder {
    var modelName = "hash-64"
    var dimension = 64
    func embed(_ texts: [String]) async throws -> [[Float]] { throw EmbeddingError(.unavailable, "provider down") }
}

/// A settable clock (microseconds).
final class ManualClock: @unchecked Sendable {
    private let lock = Locked(Timestamp(seconds: 1_800_000_000))
    var now: Timestamp { lock.withLock { $0 } }
    func advance(seconds: Int64) { lock.withLock { $0 = $0.adding(seconds: seconds) } }
    func advance(micros: Int64) { lock.withLock { $0 = $0.adding(microseconds: micros) } }
}

/// The embeddings issue's deterministic hashing embedder (64 dimensions for test speed).
let hashEmbedder = try! HashingEmbedder(dimension: 64)

func makeEngine(_ backend: InMemoryBackend = InMemoryBackend(), clock: ManualClock? = nil,
                configuration: EngineConfiguration = .init()) async throws -> AegisEngine {
    if let clock {
        return try await AegisEngine(backend: backend, embedder: hashEmbedder, configuration: configuration,
                                     clock: { clock.now })
    }
    return try await AegisEngine(backend: backend, embedder: hashEmbedder, configuration: configuration)
}

let P = "proj-a"
let Q = "proj-b"

extension AegisEngine {
    @discardableResult
    func addText(_ content: String, project: String = P, agent: String? = nil, scope: Scope? = nil,
                 namespace: String = "default", shared: [String]? = nil, ttl: Int? = nil, user: String? = nil) async throws -> String {
        try await add(project: project, AddMemoryRequest(content: content, userId: user, agentId: agent, namespace: namespace,
                                                          ttlSeconds: ttl, scope: scope?.rawValue, sharedWithAgents: shared)).id
    }
}

func expectError(_ code: EngineError.Code, _ body: () async throws -> Void) async -> EngineError? {
    do {
        try await body()
        return nil
    } catch let e as EngineError {
        return e.code == code ? e : nil
    } catch {
        return nil
    }
}
