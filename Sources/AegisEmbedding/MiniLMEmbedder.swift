import AegisCore
import AegisEmbeddingKernels
import Dispatch
import Foundation

/// The in-process all-MiniLM-L6-v2 embedder (384 dimensions), matching sentence-transformers.
/// Batches are split into chunks of up to `chunkSize` sentences, encoded on up to `threads`
/// threads (default: all cores) outside Swift's cooperative pool; each thread reuses its
/// scratch memory between calls.
public final class MiniLMEmbedder: Embedder {
    public let modelName: String
    public var dimension: Int { model.configuration.hiddenSize }
    public let model: MiniLMModel
    public let threads: Int
    public let chunkSize: Int
    private let workspaces = Locked<[BertWorkspace]>([])
    /// Largest batch accepted in one call (each text is truncated to 256 tokens anyway).
    public static let maxBatch = 100_000

    public init(modelDirectory: String, modelName: String = "all-MiniLM-L6-v2", threads: Int? = nil, chunkSize: Int = 16) throws {
        self.model = try MiniLMModel(directory: modelDirectory)
        self.modelName = modelName
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.chunkSize = max(1, chunkSize)
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        guard texts.count <= Self.maxBatch else {
            throw EmbeddingError(.invalidInput, "\(texts.count) texts in one call (max \(Self.maxBatch))")
        }
        if texts.isEmpty { return [] }
        return await withCheckedContinuation { cont in
            DispatchQueue.global(qos: .userInitiated).async {
                cont.resume(returning: self.embedBlocking(texts))
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
