/// Turns text into vectors. The engine is handed one; the executable chooses which
/// (`AEGIS_EMBEDDER=minilm|openai|hash`). Implementations live in AegisEmbedding.
public protocol Embedder: Sendable {
    /// Stable model name recorded in the store (e.g. `all-MiniLM-L6-v2`, `hash-384`).
    var modelName: String { get }
    /// Output dimension; every vector returned has exactly this many components.
    var dimension: Int { get }
    /// Embeds `texts` in order. Vectors are L2-normalised. Throws `EmbeddingError` on failure.
    func embed(_ texts: [String]) async throws -> [[Float]]
    /// The backend's state for `/ready` (default `.ready`; remote providers report failures).
    var health: EmbedderHealth { get }
}

/// Why an embedder could not produce vectors (surfaced as HTTP 503 with the reason).
public struct EmbeddingError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case unavailable, badResponse, rateLimited, invalidInput, modelMissing }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
    public var description: String { "embedding \(code.rawValue): \(message)" }
}
