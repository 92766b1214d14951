import AegisCore
import Foundation

/// Builds the embedder the executable asked for (`AEGIS_EMBEDDER`), wrapped in a `CachedEmbedder`.
public enum EmbedderFactory {
    public static let kinds = ["minilm", "openai", "hash"]
    public static let defaultKind = "minilm"
    /// Where `make models` puts the model, relative to the working directory.
    public static let defaultModelDirectory = "models/all-MiniLM-L6-v2"

    /// - Parameters:
    ///   - kind: `minilm` (in-process all-MiniLM-L6-v2, 384-d), `openai` (any OpenAI-compatible
    ///     endpoint) or `hash` (feature hashing); case-insensitive.
    ///   - environment: settings (names case-insensitive): `AEGIS_MODEL_DIR`, `AEGIS_EMBED_THREADS`, `AEGIS_HASH_DIMENSION`,
    ///     `AEGIS_EMBED_CACHE_SIZE`, and the `OPENAI_*` / `EMBEDDING_DIMENSIONS` variables.
    ///   - modelDirectory: overrides `AEGIS_MODEL_DIR` (default `models/all-MiniLM-L6-v2`).
    ///   - cacheDirectory: where the persistent cache file goes; nil = in-memory cache only.
    ///     The hash embedder is never cached on disk (recomputing is cheaper than reading).
    /// - Throws: `EmbeddingError` (`.invalidInput` for bad settings, `.modelMissing` when the
    ///   model files are absent or invalid, `.unavailable` for an unusable cache directory).
    public static func make(kind: String, environment: [String: String], modelDirectory: String? = nil,
                            cacheDirectory: String? = nil) throws -> any Embedder {
        try makeCached(kind: kind, environment: environment, modelDirectory: modelDirectory, cacheDirectory: cacheDirectory)
    }

    /// As `make`, typed, so the caller can read `statistics` for the cache metrics.
    public static func makeCached(kind: String, environment: [String: String], modelDirectory: String? = nil,
                                  cacheDirectory: String? = nil) throws -> CachedEmbedder {
        let env = CaseInsensitiveEnvironment(environment)
        let memory = try env.int("AEGIS_EMBED_CACHE_SIZE") ?? 10_000
        guard memory >= 0 else { throw EmbeddingError(.invalidInput, "AEGIS_EMBED_CACHE_SIZE must be ≥ 0") }
        switch kind.lowercased() {
        case "minilm":
            let dir = modelDirectory ?? env["AEGIS_MODEL_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultModelDirectory
            let model: MiniLMEmbedder
            let threads = try env.int("AEGIS_EMBED_THREADS")
            guard threads.map({ (1...256).contains($0) }) ?? true else { throw EmbeddingError(.invalidInput, "AEGIS_EMBED_THREADS must be 1…256") }
            do { model = try MiniLMEmbedder(modelDirectory: dir, threads: threads) } catch let e as ModelFileError {
                throw EmbeddingError(.modelMissing, "all-MiniLM-L6-v2 cannot be loaded from \(dir): \(e.description)")
            }
            return try CachedEmbedder(model, memoryCapacity: memory, directory: cacheDirectory)
        case "openai":
            let e = OpenAIEmbedder(configuration: try OpenAIConfiguration(environment: environment))
            return try CachedEmbedder(e, memoryCapacity: memory, directory: cacheDirectory)
        case "hash":
            let d = try env.int("AEGIS_HASH_DIMENSION") ?? HashingEmbedder.defaultDimension
            return try CachedEmbedder(HashingEmbedder(dimension: d), memoryCapacity: 0, directory: nil)
        default:
            throw EmbeddingError(.invalidInput, "AEGIS_EMBEDDER=\(kind) is not one of \(kinds.joined(separator: ", "))")
        }
    }
}
