import AegisCore
import Foundation
import Testing
@testable import AegisEmbedding

/// A real embedder (feature hashing) that also counts how many texts it was asked to compute.
final class CountingEmbedder: Embedder, @unchecked Sendable {
    let inner: HashingEmbedder
    let lock = NSLock()
    var computed = 0
    var calls = 0
    var modelName: String { "counting-\(inner.dimension)" }
    var dimension: Int { inner.dimension }
    init(dimension: Int = 16) { inner = try! HashingEmbedder(dimension: dimension) }
    func embed(_ texts: [String]) async throws -> [[Float]] {
        lock.withLock { computed += texts.count; calls += 1 }
        return try await inner.embed(texts)
    }
}

/// Returns vectors of the wrong size, to check the cache refuses to store them.
struct WrongSizeEmbedder: Embedder {
    var modelName: String { "wrong" }
    var dimension: Int { 4 }
    func embed(_ texts: [String]) async throws -> [[Float]] { texts.map { _ in [1, 0, 0] } }
}

@Suite struct CachedEmbedderTests {
    @Test func lruEvictsTheLeastRecentlyUsed() {
        var lru = LRUCache<Int, String>(capacity: 2)
        lru.set(1, "a"); lru.set(2, "b")
        #expect(lru.get(1) == "a")      // 1 is now most recent
        lru.set(3, "c")                 // evicts 2
        #expect(lru.get(2) == nil && lru.get(1) == "a" && lru.get(3) == "c" && lru.count == 2)
        var none = LRUCache<Int, Int>(capacity: 0)
        none.set(1, 1)
        #expect(none.get(1) == nil)
    }

    @Test func memoryHitsAndMissesAreCountedAndDuplicatesComputedOnce() async throws {
        let base = CountingEmbedder()
        let cache = try CachedEmbedder(base, memoryCapacity: 100)
        let a = try await cache.embed(["x", "y", "x"])
        #expect(a[0] == a[2] && base.computed == 2)
        let b = try await cache.embed(["y", "z"])
        #expect(b[0] == a[1] && base.computed == 3)
        #expect(cache.statistics.hits == 2 && cache.statistics.misses == 3)
        #expect(cache.modelName == base.modelName && cache.dimension == 16)
    }

    @Test func persistentCacheSurvivesARestartWithoutRecomputing() async throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let texts = (0..<50).map { "memory number \($0)" }
        let first: [[Float]]
        do {
            let base = CountingEmbedder()
            let cache = try CachedEmbedder(base, memoryCapacity: 10, directory: dir.path)
            first = try await cache.embed(texts)
            try cache.flush()
            #expect(base.computed == 50 && cache.statistics.persistentEntries == 50)
        }
        let base = CountingEmbedder()
        let cache = try CachedEmbedder(base, memoryCapacity: 10, directory: dir.path)
        let again = try await cache.embed(texts)
        #expect(again == first)
        #expect(base.computed == 0 && base.calls == 0)
        #expect(cache.statistics.hits == 50 && cache.statistics.misses == 0)
        #expect(cache.statistics.corruptedEntries == 0 && cache.statistics.tornTailBytes == 0)
    }

    func cacheFile(_ dir: URL) throws -> URL {
        let files = try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil).filter { $0.pathExtension == "embcache" }
        #expect(files.count == 1)
        return files[0]
    }

    @Test func tornTailIsCutOffAndLaterAppendsStayReadable() async throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await CachedEmbedder(CountingEmbedder(), directory: dir.path).embed(["a", "b", "c"])
        let url = try cacheFile(dir)
        var bytes = try Data(contentsOf: url)
        bytes.removeLast(10)                       // the last append was torn
        try bytes.write(to: url)
        let base = CountingEmbedder()
        let cache = try CachedEmbedder(base, directory: dir.path)
        #expect(cache.statistics.tornTailBytes == 40 + 4 * 16 - 10)
        #expect(cache.statistics.persistentEntries == 2)
        _ = try await cache.embed(["a", "b", "c", "d"])
        #expect(base.computed == 2)                // c (torn) and d
        let reopened = try CachedEmbedder(CountingEmbedder(), directory: dir.path)
        #expect(reopened.statistics.persistentEntries == 4 && reopened.statistics.tornTailBytes == 0)
    }

    @Test func corruptedEntryIsSkippedReportedAndRecomputed() async throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try await CachedEmbedder(CountingEmbedder(), directory: dir.path).embed(["a", "b", "c"])
        let url = try cacheFile(dir)
        var bytes = try Data(contentsOf: url)
        let entry = 40 + 4 * 16
        let headerSize = bytes.count - 3 * entry
        bytes[headerSize + entry + 50] ^= 0x40     // flip a bit inside b's vector
        try bytes.write(to: url)
        let base = CountingEmbedder()
        let cache = try CachedEmbedder(base, directory: dir.path)
        #expect(cache.statistics.corruptedEntries == 1 && cache.statistics.persistentEntries == 2)
        let again = try await cache.embed(["a", "b", "c"])
        #expect(again == good)                     // b recomputed, never read from the bad entry
        #expect(base.computed == 1)
    }

    @Test func entryChangedAfterOpeningIsNotTrusted() async throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await CachedEmbedder(CountingEmbedder(), directory: dir.path).embed(["a"])
        let base = CountingEmbedder()
        let cache = try CachedEmbedder(base, memoryCapacity: 0, directory: dir.path)
        let url = try cacheFile(dir)
        var bytes = try Data(contentsOf: url)
        bytes[bytes.count - 20] ^= 0x01
        try bytes.write(to: url)
        let v = try await cache.embed(["a"])
        #expect(base.computed == 1 && cache.statistics.corruptedEntries == 1)
        #expect(v == (try await CountingEmbedder().embed(["a"])))
    }

    @Test func foreignHeaderIsMovedAsideAndAFreshFileStarted() async throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await CachedEmbedder(CountingEmbedder(), directory: dir.path).embed(["a"])
        let url = try cacheFile(dir)
        try Data("garbage that is not a cache header at all, long enough".utf8).write(to: url)
        let base = CountingEmbedder()
        let cache = try CachedEmbedder(base, directory: dir.path)
        _ = try await cache.embed(["a"])
        #expect(base.computed == 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(names.contains { $0.contains(".corrupt-") })
    }

    @Test func differentModelsAndDimensionsUseSeparateFiles() async throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try await CachedEmbedder(CountingEmbedder(dimension: 16), directory: dir.path).embed(["a"])
        let other = CountingEmbedder(dimension: 32)
        let v = try await CachedEmbedder(other, directory: dir.path).embed(["a"])
        #expect(v[0].count == 32 && other.computed == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".embcache") }
        #expect(files.count == 2)
    }

    @Test func wrongSizedVectorsFromTheBaseAreAnError() async throws {
        let cache = try CachedEmbedder(WrongSizeEmbedder())
        await #expect(throws: EmbeddingError.self) { _ = try await cache.embed(["a"]) }
    }

    @Test func unusableCacheDirectoryIsAClearError() throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("not-a-dir")
        try Data("x".utf8).write(to: file)
        #expect(throws: EmbeddingError.self) { _ = try CachedEmbedder(CountingEmbedder(), directory: file.path) }
    }

    @Test func concurrentCallersShareOneCache() async throws {
        let dir = try temporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = CountingEmbedder()
        let cache = try CachedEmbedder(base, memoryCapacity: 1000, directory: dir.path)
        try await withThrowingTaskGroup(of: Void.self) { g in
            for t in 0..<8 {
                g.addTask { for i in 0..<20 { _ = try await cache.embed(["text \(i)", "task \(t) \(i)"]) } }
            }
            try await g.waitForAll()
        }
        let s = cache.statistics
        #expect(s.hits + s.misses == 8 * 20 * 2)
        #expect(s.misses == base.computed)
        let reopened = try CachedEmbedder(CountingEmbedder(), directory: dir.path)
        #expect(reopened.statistics.persistentEntries == 20 + 8 * 20 && reopened.statistics.corruptedEntries == 0)
    }
}
