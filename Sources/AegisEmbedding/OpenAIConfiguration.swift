import AegisCore
import Foundation

/// Settings of the OpenAI-compatible provider (environment names as in Aegis Memory 1.2,
/// plus a few of ours; all documented in docs/configuration.md).
public struct OpenAIConfiguration: Sendable, Equatable {
    /// `OPENAI_API_KEY`; required for api.openai.com, optional for other base URLs.
    public var apiKey: String?
    /// `OPENAI_BASE_URL` (default `https://api.openai.com/v1`); requests go to `<base>/embeddings`.
    public var baseURL: URL
    /// `OPENAI_EMBED_MODEL` (default `text-embedding-3-small`).
    public var model: String
    /// `EMBEDDING_DIMENSIONS`: the vector size. Sent as `dimensions` for `text-embedding-3-*`
    /// models; for other models it is the size the provider is expected to return.
    /// Default: 1536 (`text-embedding-3-small`, `text-embedding-ada-002`), 3072 (`-3-large`).
    public var dimensions: Int
    /// Whether the request carries `dimensions` (only models that accept it).
    public var sendDimensions: Bool
    /// Texts per request (`OPENAI_EMBED_BATCH`, 1…2048, default 2048).
    public var maxBatch: Int = 2048
    /// UTF-8 bytes per request before a batch is split further (keeps requests under the
    /// provider's token limit; default 1,000,000).
    public var maxBatchBytes: Int = 1_000_000
    /// Seconds per HTTP attempt (`OPENAI_TIMEOUT`, default 30).
    public var timeout: TimeInterval = 30
    /// Attempts per request, first included (`OPENAI_MAX_RETRIES` + 1, default 4).
    public var maxAttempts: Int = 4
    /// Backoff before the second attempt; doubles per attempt up to `maxBackoff` (seconds).
    public var initialBackoff: TimeInterval = 0.5
    public var maxBackoff: TimeInterval = 20
    /// A `Retry-After` longer than this fails the call at once (rate limited) instead of waiting.
    public var maxRetryAfter: TimeInterval = 60

    public static let defaultBaseURL = URL(string: "https://api.openai.com/v1")!
    public static let defaultModel = "text-embedding-3-small"

    public init(apiKey: String?, baseURL: URL = OpenAIConfiguration.defaultBaseURL,
                model: String = OpenAIConfiguration.defaultModel, dimensions: Int? = nil) throws {
        self.apiKey = apiKey?.isEmpty == true ? nil : apiKey
        self.baseURL = baseURL
        self.model = model
        let takesDimensions = model.hasPrefix("text-embedding-3")
        let known: Int? = switch model {
        case "text-embedding-3-small", "text-embedding-ada-002": 1536
        case "text-embedding-3-large": 3072
        default: nil
        }
        guard let d = dimensions ?? known else {
            throw EmbeddingError(.invalidInput, "EMBEDDING_DIMENSIONS must be set for model \(model) (its vector size is not known)")
        }
        self.dimensions = d
        self.sendDimensions = takesDimensions && dimensions != nil
        try validate()
    }

    /// Reads the variables above from `environment` (names case-insensitive).
    public init(environment: [String: String]) throws {
        let env = CaseInsensitiveEnvironment(environment)
        var base = Self.defaultBaseURL
        if let s = env["OPENAI_BASE_URL"], !s.isEmpty {
            guard let u = URL(string: s.hasSuffix("/") ? String(s.dropLast()) : s), let scheme = u.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", u.host != nil else {
                throw EmbeddingError(.invalidInput, "OPENAI_BASE_URL \(s) is not an http(s) URL")
            }
            base = u
        }
        try self.init(apiKey: env["OPENAI_API_KEY"], baseURL: base,
                      model: env["OPENAI_EMBED_MODEL"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultModel,
                      dimensions: try env.int("EMBEDDING_DIMENSIONS"))
        if let b = try env.int("OPENAI_EMBED_BATCH") { maxBatch = b }
        if let t = try env.double("OPENAI_TIMEOUT") { timeout = t }
        if let r = try env.int("OPENAI_MAX_RETRIES") { maxAttempts = r + 1 }
        try validate()
    }

    public func validate() throws {
        func bad(_ m: String) -> EmbeddingError { EmbeddingError(.invalidInput, m) }
        guard (1...65_536).contains(dimensions) else { throw bad("EMBEDDING_DIMENSIONS \(dimensions) outside 1…65536") }
        guard (1...2048).contains(maxBatch) else { throw bad("OPENAI_EMBED_BATCH \(maxBatch) outside 1…2048") }
        guard timeout > 0, timeout <= 600 else { throw bad("OPENAI_TIMEOUT \(timeout) outside (0, 600] seconds") }
        guard (1...20).contains(maxAttempts) else { throw bad("OPENAI_MAX_RETRIES must be 0…19") }
        guard maxBatchBytes > 0, initialBackoff >= 0, maxBackoff >= initialBackoff, maxRetryAfter >= 0 else { throw bad("invalid retry settings") }
        if apiKey == nil, baseURL.host?.lowercased() == "api.openai.com" {
            throw EmbeddingError(.unavailable, "OPENAI_API_KEY is not set (required for api.openai.com)")
        }
    }
}

/// Environment lookup with case-insensitive names (as the 1.2 server reads its settings).
struct CaseInsensitiveEnvironment {
    private let values: [String: String]
    init(_ env: [String: String]) {
        var v: [String: String] = [:]
        for (k, x) in env.sorted(by: { $0.key < $1.key }) where v[k.uppercased()] == nil || k == k.uppercased() { v[k.uppercased()] = x }
        values = v
    }
    subscript(_ name: String) -> String? { values[name.uppercased()] }
    func int(_ name: String) throws -> Int? {
        guard let s = self[name]?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        guard let v = Int(s) else { throw EmbeddingError(.invalidInput, "\(name)=\(s) is not an integer") }
        return v
    }
    func double(_ name: String) throws -> Double? {
        guard let s = self[name]?.trimmingCharacters(in: .whitespaces), !s.isEmpty else { return nil }
        guard let v = Double(s), v.isFinite else { throw EmbeddingError(.invalidInput, "\(name)=\(s) is not a number") }
        return v
    }
}
