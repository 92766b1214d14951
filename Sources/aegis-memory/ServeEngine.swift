import AegisCore
import AegisEngine
import Foundation

/// How `serve` builds its embedder and opens its engine. Kept apart from the command so the
/// store/embedder wiring can change without touching the HTTP setup.
enum ServeEngine {
    struct Embedding {
        var embedder: any Embedder
        var cacheStats: @Sendable () -> (hits: Int, misses: Int)
    }

    /// `AEGIS_EMBEDDER` chooses the embedder (hash until AegisEmbedding's factory is wired in).
    static func makeEmbedder(_ s: ServeSettings, dataDir: String) throws -> Embedding {
        let kind = (s.string("AEGIS_EMBEDDER") ?? "hash").lowercased()
        switch kind {
        case "hash":
            return Embedding(embedder: ServeHashEmbedder(dimension: 384), cacheStats: { (0, 0) })
        default:
            throw ServeSettingsError("AEGIS_EMBEDDER=\(kind) is not available in this build (use hash)")
        }
    }

    /// Opens the engine over `dataDir`.
    static func open(dataDir: String, embedder: any Embedder, configuration: EngineConfiguration) async throws -> AegisEngine {
        try await AegisEngine.inMemory(embedder: embedder, configuration: configuration)
    }
}

/// Deterministic feature-hashing embedder (words and character trigrams, signed buckets,
/// L2-normalised). Stand-in until AegisEmbedding's `hash` embedder is wired in.
struct ServeHashEmbedder: Embedder {
    let dimension: Int
    var modelName: String { "hash-\(dimension)" }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map(vector)
    }

    func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        let lower = text.lowercased()
        let words = lower.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        func add(_ s: Substring, _ w: Float) {
            var h: UInt64 = 0xcbf29ce484222325
            for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
            let i = Int(h % UInt64(dimension))
            v[i] += (h >> 63) == 0 ? w : -w
        }
        for w in words {
            add(w, 1)
            let padded = " " + w + " "
            let chars = Array(padded.utf8)
            if chars.count >= 3 {
                for i in 0...(chars.count - 3) {
                    add(Substring(String(decoding: chars[i..<i + 3], as: UTF8.self)), 0.5)
                }
            }
        }
        var n: Float = 0
        for x in v { n += x * x }
        if n == 0 { v[0] = 1; return v }
        let inv = 1 / n.squareRoot()
        return v.map { $0 * inv }
    }
}
