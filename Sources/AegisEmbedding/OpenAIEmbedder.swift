import AegisCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Embeddings from any OpenAI-compatible `/embeddings` endpoint. Splits inputs into requests of
/// at most `maxBatch` texts (and `maxBatchBytes`), retries 429, 5xx, timeouts and connection
/// failures with exponential backoff (honouring `Retry-After`), and reports its state through
/// `health` for `/ready`. Errors are `EmbeddingError`s with the provider's message.
public final class OpenAIEmbedder: Embedder {
    public let configuration: OpenAIConfiguration
    public var modelName: String { configuration.model }
    public var dimension: Int { configuration.dimensions }
    private let session: URLSession
    private let state = Locked(State())

    struct State {
        var lastError: EmbeddingError?
        var rateLimited = false
        var retried = false
        var lastSuccess: Date?
    }

    public init(configuration: OpenAIConfiguration) {
        self.configuration = configuration
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = configuration.timeout
        c.timeoutIntervalForResource = configuration.timeout
        c.httpMaximumConnectionsPerHost = 4
        c.requestCachePolicy = .reloadIgnoringLocalCacheData
        session = URLSession(configuration: c)
    }

    deinit { session.invalidateAndCancel() }

    public var health: EmbedderHealth {
        state.withLock { s in
            if let e = s.lastError { return EmbedderHealth(.unavailable, reason: e.description) }
            if s.rateLimited { return EmbedderHealth(.degraded, reason: "rate limited by the provider; requests are being retried") }
            if s.retried { return EmbedderHealth(.degraded, reason: "the provider needed retries") }
            return .ready
        }
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        if let i = texts.firstIndex(where: { $0.isEmpty }) {
            throw EmbeddingError(.invalidInput, "text \(i) is empty; OpenAI-compatible providers reject empty input")
        }
        var out: [[Float]] = []
        out.reserveCapacity(texts.count)
        for batch in batches(texts) {
            out += try await request(Array(texts[batch]))
        }
        return out
    }

    /// Index ranges of at most `maxBatch` texts and about `maxBatchBytes` UTF-8 bytes each.
    func batches(_ texts: [String]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var start = 0, bytes = 0
        for (i, t) in texts.enumerated() {
            let n = t.utf8.count
            if i > start && (i - start >= configuration.maxBatch || bytes + n > configuration.maxBatchBytes) {
                out.append(start..<i); start = i; bytes = 0
            }
            bytes += n
        }
        if start < texts.count { out.append(start..<texts.count) }
        return out
    }

    /// `session.data(for:)` with a hard deadline: FoundationNetworking's own timeout is not
    /// reliably enforced under load (seen here: a 0.5 s timeout fired after 16 s). The first of
    /// the response or the deadline wins; a late response is discarded.
    private func fetch(_ req: URLRequest, deadline: TimeInterval) async throws -> (Data, URLResponse) {
        let session = self.session
        let once = FetchOnce()
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<(Data, URLResponse), Error>) in
            let task = Task {
                do { let r = try await session.data(for: req); if once.claim() { cont.resume(returning: r) } }
                catch { if once.claim() { cont.resume(throwing: error) } }
            }
            // A Dispatch timer, not `Task.sleep`: the deadline must fire even when the
            // cooperative pool is saturated by other work.
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0.001, deadline)) {
                if once.claim() { task.cancel(); cont.resume(throwing: URLError(.timedOut)) }
            }
        }
    }

    private func request(_ inputs: [String]) async throws -> [[Float]] {
        let cfg = configuration
        var req = URLRequest(url: cfg.baseURL.appendingPathComponent("embeddings"))
        req.httpMethod = "POST"
        req.timeoutInterval = cfg.timeout
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        req.setValue("application/json", forHTTPHeaderField: "Accept")
        if let key = cfg.apiKey { req.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization") }
        req.httpBody = OpenAIWire.requestBody(model: cfg.model, inputs: inputs, dimensions: cfg.sendDimensions ? cfg.dimensions : nil)

        var attempt = 0
        while true {
            attempt += 1
            let failure: EmbeddingError
            var wait: TimeInterval?
            do {
                let (data, response) = try await fetch(req, deadline: cfg.timeout)
                guard let http = response as? HTTPURLResponse else { throw EmbeddingError(.badResponse, "not an HTTP response") }
                switch http.statusCode {
                case 200..<300:
                    do {
                        let vectors = try OpenAIWire.parseResponse(data, expected: inputs.count, dimension: cfg.dimensions)
                        succeeded(retried: attempt > 1)
                        return vectors
                    } catch let e as EmbeddingError {
                        throw failed(e)  // a well-formed HTTP exchange with a wrong body: retrying will not help
                    }
                case 429:
                    failure = EmbeddingError(.rateLimited, "rate limited by \(cfg.baseURL.host ?? "provider") (HTTP 429): \(OpenAIWire.errorMessage(data))")
                    wait = OpenAIWire.retryAfter(http)
                    state.withLock { $0.rateLimited = true }
                case 500..<600:
                    failure = EmbeddingError(.unavailable, "provider error HTTP \(http.statusCode): \(OpenAIWire.errorMessage(data))")
                    wait = OpenAIWire.retryAfter(http)
                case 401, 403:
                    throw failed(EmbeddingError(.unavailable, "provider refused the API key (HTTP \(http.statusCode)): \(OpenAIWire.errorMessage(data))"))
                default:
                    throw failed(EmbeddingError(.invalidInput, "provider rejected the request (HTTP \(http.statusCode)): \(OpenAIWire.errorMessage(data))"))
                }
            } catch let e as EmbeddingError {
                throw e
            } catch is CancellationError {
                throw EmbeddingError(.unavailable, "cancelled")
            } catch let e as URLError where e.code == .timedOut {
                failure = EmbeddingError(.unavailable, "no response from \(cfg.baseURL.absoluteString) within \(cfg.timeout) s")
            } catch {
                failure = EmbeddingError(.unavailable, "cannot reach \(cfg.baseURL.absoluteString): \(error.localizedDescription)")
            }
            guard attempt < cfg.maxAttempts else {
                throw failed(EmbeddingError(failure.code, failure.message + " (after \(attempt) attempts)"))
            }
            if let w = wait, w > cfg.maxRetryAfter {
                throw failed(EmbeddingError(failure.code, failure.message + " (Retry-After \(Int(w)) s exceeds the \(Int(cfg.maxRetryAfter)) s limit)"))
            }
            let backoff = min(cfg.maxBackoff, cfg.initialBackoff * pow(2, Double(attempt - 1)))
            let delay = wait ?? backoff * Double.random(in: 0.8...1.2)
            state.withLock { $0.retried = true }
            do { try await Task.sleep(nanoseconds: UInt64(max(0, delay) * 1e9)) } catch {
                throw EmbeddingError(.unavailable, "cancelled while waiting to retry: \(failure.message)")
            }
        }
    }

    private func succeeded(retried: Bool) {
        state.withLock { s in
            s.lastError = nil
            s.lastSuccess = Date()
            if !retried { s.rateLimited = false; s.retried = false }
        }
    }

    private func failed(_ e: EmbeddingError) -> EmbeddingError {
        state.withLock { $0.lastError = e }
        return e
    }
}

/// Lets exactly one of several racing callbacks resume a continuation.
private final class FetchOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func claim() -> Bool { lock.lock(); defer { lock.unlock() }; if done { return false }; done = true; return true }
}
