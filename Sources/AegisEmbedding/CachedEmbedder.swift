import AegisCore
import Foundation

/// Counters of a `CachedEmbedder` (the server exports `hits`/`misses` as
/// `aegis_embedding_cache_hits_total` / `aegis_embedding_cache_misses_total`).
public struct EmbeddingCacheStatistics: Sendable, Equatable {
    /// Texts answered from memory or the cache file.
    public var hits: Int
    /// Texts the wrapped embedder had to compute.
    public var misses: Int
    public var memoryEntries: Int
    public var persistentEntries: Int
    /// Cache-file entries that failed verification (skipped, never returned).
    public var corruptedEntries: Int
    /// Bytes of a partial last entry cut off when the cache file was opened.
    public var tornTailBytes: Int
    /// Appends to the cache file that failed (the vectors were still returned).
    public var writeErrors: Int
    /// Path of the cache file, if persistent.
    public var file: String?
}

/// Wraps any `Embedder` with an in-memory LRU and, given a directory, a persistent cache file
/// keyed by (model name, dimension, SHA-256 of the text), so the same text is never embedded
/// twice, across restarts too. Duplicates within one call are computed once.
public final class CachedEmbedder: Embedder {
    public let base: any Embedder
    public var modelName: String { base.modelName }
    public var dimension: Int { base.dimension }
    public var health: EmbedderHealth { base.health }
    private let memory: Locked<LRUCache<SHA256Digest, [Float]>>
    private let persistent: PersistentEmbeddingCache?
    private let counters = Locked((hits: 0, misses: 0))

    /// - Parameters:
    ///   - memoryCapacity: vectors kept in memory (0 disables the LRU).
    ///   - directory: where the cache file lives (created if needed); nil = memory only.
    public init(_ base: any Embedder, memoryCapacity: Int = 10_000, directory: String? = nil) throws {
        self.base = base
        self.memory = Locked(LRUCache(capacity: memoryCapacity))
        if let directory {
            do {
                persistent = try PersistentEmbeddingCache(directory: URL(fileURLWithPath: directory),
                                                          modelName: base.modelName, dimension: base.dimension)
            } catch {
                throw EmbeddingError(.unavailable, "embedding cache in \(directory) cannot be opened: \(error.localizedDescription)")
            }
        } else {
            persistent = nil
        }
    }

    public var statistics: EmbeddingCacheStatistics {
        let c = counters.withLock { $0 }
        let p = persistent?.report ?? (entries: 0, corrupted: 0, tornTail: 0, writeErrors: 0)
        return EmbeddingCacheStatistics(
            hits: c.hits, misses: c.misses, memoryEntries: memory.withLock { $0.count },
            persistentEntries: p.entries, corruptedEntries: p.corrupted,
            tornTailBytes: p.tornTail, writeErrors: p.writeErrors, file: persistent?.url.path)
    }

    /// Forces appended cache entries to disk (they are otherwise left to the OS).
    public func flush() throws { try persistent?.flush() }

    public func embed(_ texts: [String]) async throws -> [[Float]] {
        let keys = texts.map { SHA256Digest.hash($0.utf8) }
        var out = [[Float]?](repeating: nil, count: texts.count)
        var missing: [SHA256Digest: [Int]] = [:]
        var order: [SHA256Digest] = []
        for (i, k) in keys.enumerated() {
            if let v = memory.withLock({ $0.get(k) }) { out[i] = v; continue }
            if missing[k] != nil { missing[k]!.append(i); continue }
            if let v = persistent?.get(k), v.count == dimension {
                memory.withLock { $0.set(k, v) }
                out[i] = v
                continue
            }
            missing[k] = [i]
            order.append(k)
        }
        counters.withLock { $0.hits += texts.count - order.count; $0.misses += order.count }
        if !order.isEmpty {
            let inputs = order.map { texts[missing[$0]![0]] }
            let vectors = try await base.embed(inputs)
            guard vectors.count == inputs.count else {
                throw EmbeddingError(.badResponse, "\(base.modelName) returned \(vectors.count) vectors for \(inputs.count) texts")
            }
            for (k, v) in zip(order, vectors) {
                guard v.count == dimension, v.allSatisfy(\.isFinite) else {
                    throw EmbeddingError(.badResponse, "\(base.modelName) returned a vector of \(v.count) components (expected \(dimension)) or with non-finite values")
                }
                memory.withLock { $0.set(k, v) }
                persistent?.put(k, v)
                for i in missing[k]! { out[i] = v }
            }
        }
        return out.map { $0! }
    }
}
