import AegisCore
import AegisEmbeddingKernels
import Dispatch
import Foundation

/// The in-process all-MiniLM-L6-v2 embedder (384 dimensions), matching sentence-transformers.
/// `embed` calls are served by one runner outside Swift's cooperative pool, which merges the
/// texts of concurrent callers into rounds of up to `roundBudget` texts; a round is split into chunks
/// of up to `chunkSize` sentences encoded on up to `threads` threads (default: all cores), and a
/// lone chunk spreads its matrix products over the threads. Scratch memory is reused.
public final class MiniLMEmbedder: Embedder {
    public let modelName: String
    public var dimension: Int { model.configuration.hiddenSize }
    public let model: MiniLMModel
    public let threads: Int
    public let chunkSize: Int
    private let workspaces = Locked<[BertWorkspace]>([])
    private let queue = Locked(RequestQueue())
    /// Largest batch accepted in one call (each text is truncated to 256 tokens anyway).
    public static let maxBatch = 100_000

    public convenience init(modelDirectory: String, modelName: String = "all-MiniLM-L6-v2", threads: Int? = nil,
                            chunkSize: Int = 16, roundBudget: Int = 256) throws {
        self.init(model: try MiniLMModel(directory: modelDirectory), modelName: modelName, threads: threads,
                  chunkSize: chunkSize, roundBudget: roundBudget)
    }

    /// Another embedder over an already loaded model (the weights are shared, not copied).
    public init(model: MiniLMModel, modelName: String = "all-MiniLM-L6-v2", threads: Int? = nil,
                chunkSize: Int = 16, roundBudget: Int = 256) {
        self.model = model
        self.modelName = modelName
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.chunkSize = max(1, chunkSize)
        self.roundBudget = max(1, roundBudget)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard texts.count <= Self.maxBatch else {
            throw EmbeddingError(.invalidInput, "\(texts.count) texts in one call (max \(Self.maxBatch))")
        }
        if texts.isEmpty { return [] }
        return await withCheckedContinuation { cont in
            let request = PendingRequest(texts: texts, continuation: cont)
            let startRunner = queue.withLock { q -> Bool in
                q.pending.append(request)
                if q.running { return false }
                q.running = true
                return true
            }
            if startRunner { DispatchQueue.global(qos: .userInitiated).async { self.drain() } }
        }
    }

    /// Texts encoded together per round when several callers are waiting (default 256).
    public let roundBudget: Int

    /// The single runner: while callers are waiting, encode up to `roundBudget` of their texts
    /// as one batch (concurrent single queries share the matrix products instead of competing
    /// for the cores), smallest remaining requests first so a large batch cannot hold a query
    /// back for more than one round.
    private func drain() {
        while true {
            let round: [(PendingRequest, Range<Int>)] = queue.withLock { q in
                if q.pending.isEmpty { q.running = false; return [] }
                var budget = self.roundBudget
                var taken: [(PendingRequest, Range<Int>)] = []
                for r in q.pending.sorted(by: { $0.remaining < $1.remaining }) where budget > 0 {
                    let n = min(budget, r.remaining)
                    taken.append((r, r.next..<(r.next + n)))
                    r.next += n
                    budget -= n
                }
                return taken
            }
            if round.isEmpty { return }
            let vectors = embedBlocking(round.flatMap { r, range in r.texts[range] })
            var i = 0
            var finished: [PendingRequest] = []
            for (r, range) in round {
                r.results.append(contentsOf: vectors[i..<(i + range.count)])
                i += range.count
                if r.results.count == r.texts.count { finished.append(r) }
            }
            if !finished.isEmpty {
                queue.withLock { q in q.pending.removeAll { p in finished.contains { $0 === p } } }
                for r in finished { r.continuation.resume(returning: r.results) }
            }
        }
    }

    /// Synchronous version of `embed` (blocks the caller; use from threads, benchmarks, CLIs).
    public func embedBlocking(_ texts: [String]) -> [[Float]] {
        let n = texts.count
        if n == 0 { return [] }
        let chunk = min(chunkSize, (n + threads - 1) / threads)
        let chunks = (n + chunk - 1) / chunk
        let workers = min(threads, chunks)
        let results = ResultSlots(count: n)
        let next = Locked(0)
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let ws = self.takeWorkspace()
            defer { self.returnWorkspace(ws) }
            while true {
                let c: Int = next.withLock { v in defer { v += 1 }; return v }
                if c >= chunks { break }
                let range = (c * chunk)..<min(n, (c + 1) * chunk)
                let tokenized = range.map { self.model.tokenizer.encode(texts[$0]) }
                // A lone chunk (a single query or a small batch) spreads its layers over all threads.
                let vectors = self.model.embed(tokenized: tokenized, workspace: ws, parallelism: workers == 1 ? self.threads : 1)
                for (i, v) in zip(range, vectors) { results.set(i, v) }
            }
        }
        return results.values
    }

    private func takeWorkspace() -> BertWorkspace {
        workspaces.withLock { $0.popLast() } ?? BertWorkspace()
    }

    private func returnWorkspace(_ ws: BertWorkspace) {
        workspaces.withLock { if $0.count < threads { $0.append(ws) } }
    }
}

/// Output slots written by several threads at distinct indices.
private final class ResultSlots: @unchecked Sendable {
    private var storage: [[Float]]
    private let lock = NSLock()
    init(count: Int) { storage = Array(repeating: [], count: count) }
    func set(_ i: Int, _ v: [Float]) { lock.lock(); storage[i] = v; lock.unlock() }
    var values: [[Float]] { lock.lock(); defer { lock.unlock() }; return storage }
}

extension MiniLMEmbedder {
    /// Whether the matrix kernels in this binary were compiled for AVX2+FMA.
    public var kernelsUseAVX2FMA: Bool { KernelBuild.requiresAVX2FMA }
}

/// Callers waiting for the runner (see `MiniLMEmbedder.drain`). Fields are touched only by the
/// runner or under the queue's lock.
private final class PendingRequest: @unchecked Sendable {
    let texts: [String]
    let continuation: CheckedContinuation<[[Float]], Never>
    var next = 0
    var results: [[Float]] = []
    var remaining: Int { texts.count - next }
    init(texts: [String], continuation: CheckedContinuation<[[Float]], Never>) {
        self.texts = texts; self.continuation = continuation
        results.reserveCapacity(texts.count)
    }
}

private struct RequestQueue {
    var pending: [PendingRequest] = []
    var running = false
}
