import AegisVector
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hierarchical navigable small-world graph over float32 vectors, keyed by caller labels.
///
/// Layout (hnswlib-style, fixed strides, no per-node objects):
/// - vectors: one pointer per slot (`vptr`). An index that owns its vectors keeps them in a
///   64-byte aligned `VectorArena` (normalised for cosine) and points at its rows; an index
///   with *external* vectors (`externalVectors: true`, the engine's mode — docs/hnsw.md,
///   "External vectors") points at the caller's stable, already-normalised rows (the store's
///   mapped snapshot and tail arena) and holds no copy;
/// - level 0: one flat `UInt32` buffer, `1 + 2m` words per slot: count, then neighbour slots;
/// - levels ≥ 1: per slot (only if its level ≥ 1) a buffer of `level × (1 + m)` words;
/// - `labels`, `levels`, `flags` (bit 0 = deleted) per slot; a label → slot dictionary.
///
/// Thread safety: every public method is safe to call from any thread. Searches take a shared
/// (read) lock and run in parallel. Mutations are serialised by `mutator`; `remove`, `compact`,
/// bulk inserts and `reserve` then take the exclusive (write) lock (writer-preferring, so they
/// are not starved). A single `insert` of a new label into a fresh slot chooses its neighbours
/// under the shared lock (searches keep running) and holds the exclusive lock only to publish.
/// Searches allocate nothing in the steady state: their scratch (visited tags, heaps) comes
/// from a pool.
public final class HNSWIndex: @unchecked Sendable {
    public let configuration: HNSWConfiguration

    let dim: Int
    let metric: VectorMetric
    let maxM: Int
    let maxM0: Int
    let stride0: Int
    let strideUp: Int
    let levelMult: Double

    /// The owned vectors (nil for an index with external vectors).
    var vectors: VectorArena?
    /// Where the vector of each slot is (an arena row, the caller's row, or `zeroVector`).
    var vptr: UnsafeMutablePointer<UnsafePointer<Float>>
    /// Vectors are the caller's (never copied; see the type comment).
    public let externalVectors: Bool
    var links0: UnsafeMutablePointer<UInt32>
    var upper: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>
    var labels: UnsafeMutablePointer<UInt64>
    var levels: UnsafeMutablePointer<UInt8>
    var flags: UnsafeMutablePointer<UInt8>
    /// Slots in use (live + tombstoned).
    var slotCount = 0
    var capacity = 0
    var entryPoint: UInt32 = .max
    var maxLevel = -1
    var labelToSlot: [UInt64: UInt32] = [:]
    /// Tombstoned slots, reused by later inserts (last in, first out).
    var freeSlots: [UInt32] = []
    var rngState: UInt64
    /// Int8 traversal codes, one `codeStride`-byte row per slot, with each row's scale and the
    /// stored vector's squared norm; nil unless enabled (`useTraversalCodes`, HNSWIndex+codes.swift).
    var codes: UnsafeMutableRawPointer?
    var codeScale: UnsafeMutablePointer<Float>?
    var codeNorm: UnsafeMutablePointer<Float>?
    let codeStride: Int

    let rw = ReadWriteLock()
    /// Held by every mutation (taken before `rw`'s write lock): while an insert holds it, the
    /// graph cannot change, so the insert searches for its neighbours under the shared lock,
    /// concurrently with searches, and takes the exclusive lock only to publish its links.
    let mutator = PlainMutex()
    /// Inserts that chose their neighbours under the shared lock (guarded by `mutator`).
    var sharedPhaseInserts = 0
    /// Non-nil only while a parallel bulk build runs (`lockBase` is its raw mutex array).
    var stripes: StripedLocks? {
        didSet { lockBase = stripes?.base; lockCount = stripes?.count ?? 1 }
    }
    var lockBase: UnsafeMutablePointer<pthread_mutex_t>?
    var lockCount = 1
    let entryLock = Mutex(())
    let pool = Mutex<[HNSWScratch]>([])

    /// Memory-access tuning for the beam search: 0 = none, 1 = touch the first cache line of
    /// each unvisited neighbour's vector before computing distances, 2 = touch every cache
    /// line of them (a software prefetch). Default: 2 for vectors up to 2 KiB (dimension ≤
    /// 512), 1 above (measured: at 384-d all lines +18 % QPS over first line; at 1536-d all
    /// lines −34 %, the 6 KiB rows overflow L1). Set before searching.
    public nonisolated(unsafe) var prefetchMode = 2

    /// Hard ceiling on slots (labels are UInt64, slots UInt32; `.max` marks "none").
    public static let maxSlots = Int(UInt32.max - 1)

    /// A shared all-zero row: the vector of slots that have none (a tombstone whose row the
    /// caller no longer has). Never freed, never written (so sharing it across threads is safe).
    nonisolated(unsafe) static let zeroVector: UnsafePointer<Float> = {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: VectorArena.maxDimension)
        p.initialize(repeating: 0, count: VectorArena.maxDimension)
        return UnsafePointer(p)
    }()

    /// `externalVectors`: the index keeps pointers to the caller's rows instead of copies
    /// (`insert(label:stableVector:)`, `insert(labels:stableVectors:threads:)`).
    public init(configuration: HNSWConfiguration, capacity: Int = 0, externalVectors: Bool = false) throws(HNSWError) {
        try configuration.validate()
        self.configuration = configuration
        dim = configuration.dimension
        metric = configuration.metric
        maxM = configuration.m
        maxM0 = configuration.m0
        stride0 = 1 + maxM0
        strideUp = 1 + maxM
        levelMult = 1 / log(Double(configuration.m))
        rngState = configuration.seed
        codeStride = Int8Kernels.rowBytes(dimension: configuration.dimension)
        self.externalVectors = externalVectors
        if externalVectors {
            vectors = nil
        } else {
            do { vectors = try VectorArena(dimension: dim) } catch {
                throw HNSWError(.invalidArgument, error.message)
            }
        }
        vptr = .allocate(capacity: 1)
        prefetchMode = configuration.dimension <= 512 ? 2 : 1
        links0 = .allocate(capacity: 1)
        upper = .allocate(capacity: 1)
        labels = .allocate(capacity: 1)
        levels = .allocate(capacity: 1)
        flags = .allocate(capacity: 1)
        try reserveUnlocked(capacity)
    }

    deinit {
        for s in 0..<slotCount { upper[s]?.deallocate() }
        links0.deallocate()
        vptr.deallocate()
        upper.deallocate()
        labels.deallocate()
        levels.deallocate()
        flags.deallocate()
        freeCodes()
    }

    // MARK: Public state

    /// Number of live (not deleted) items.
    public var count: Int { rw.withReadLock { labelToSlot.count } }

    /// Number of tombstoned slots awaiting reuse or compaction.
    public var deletedCount: Int { rw.withReadLock { slotCount - labelToSlot.count } }

    public func contains(label: UInt64) -> Bool { rw.withReadLock { labelToSlot[label] != nil } }

    /// All live labels in slot order.
    public var allLabels: [UInt64] {
        rw.withReadLock { (0..<slotCount).compactMap { flags[$0] & 1 == 0 ? labels[$0] : nil } }
    }

    /// The stored (normalised for cosine) vector of `label`, if present.
    public func vector(label: UInt64) -> [Float]? {
        rw.withReadLock {
            guard let s = labelToSlot[label] else { return nil }
            return Array(UnsafeBufferPointer(start: vec(s), count: dim))
        }
    }

    /// Bytes held by the index: vectors, links, per-slot arrays, upper levels, label map.
    public var memoryBytes: Int { rw.withReadLock { memoryBytesUnlocked } }

    var memoryBytesUnlocked: Int { memoryBreakdownUnlocked.total }

    /// Pre-allocates room for `n` slots.
    public func reserve(_ n: Int) throws(HNSWError) { try exclusive { () throws(HNSWError) in try reserveUnlocked(n) } }

    /// Runs a mutation: the mutator lock, then the exclusive lock.
    @inline(__always)
    func exclusive<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        try mutator.withLock { () throws(E) -> T in try rw.withWriteLock(body) }
    }

    func reserveUnlocked(_ n: Int) throws(HNSWError) {
        guard n > capacity else { return }
        guard n <= Self.maxSlots else { throw HNSWError(.capacityExceeded, "\(n) slots exceed \(Self.maxSlots)") }
        vptr = Self.grown(vptr, old: capacity, new: n)
        if let vectors {
            vectors.setCount(min(slotCount, vectors.capacity))  // rows to carry over
            do { try vectors.reserve(n) } catch { throw HNSWError(.capacityExceeded, error.message) }
            // The arena moved: every slot points at its row again.
            for s in 0..<n { vptr[s] = UnsafePointer(vectors.pointer(at: s)) }
        } else {
            for s in capacity..<n { vptr[s] = Self.zeroVector }
        }
        links0 = Self.grown(links0, old: capacity * stride0, new: n * stride0)
        upper = Self.grown(upper, old: capacity, new: n)
        labels = Self.grown(labels, old: capacity, new: n)
        levels = Self.grown(levels, old: capacity, new: n)
        flags = Self.grown(flags, old: capacity, new: n)
        if codes != nil { growCodes(old: capacity, new: n) }
        capacity = n
    }

    static func grown<T>(_ p: UnsafeMutablePointer<T>, old: Int, new: Int) -> UnsafeMutablePointer<T> {
        let fresh = UnsafeMutablePointer<T>.allocate(capacity: new)
        if old > 0 { fresh.moveInitialize(from: p, count: old) }
        p.deallocate()
        return fresh
    }

    // MARK: Slot helpers

    @inline(__always) func vec(_ s: UInt32) -> UnsafePointer<Float> { vptr[Int(s)] }

    @inline(__always) func lockSlot(_ s: UInt32) {
        if let lockBase { pthread_mutex_lock(lockBase + Int(s) % lockCount) }
    }

    @inline(__always) func unlockSlot(_ s: UInt32) {
        if let lockBase { pthread_mutex_unlock(lockBase + Int(s) % lockCount) }
    }

    /// The neighbour list of slot `s` at `level`: word 0 is the count, then the slots.
    @inline(__always)
    func list(_ s: UInt32, _ level: Int) -> UnsafeMutablePointer<UInt32> {
        if level == 0 { return links0 + Int(s) &* stride0 }
        return upper[Int(s)].unsafelyUnwrapped + (level &- 1) &* strideUp
    }

    @inline(__always) func isDeleted(_ s: UInt32) -> Bool { flags[Int(s)] & 1 != 0 }

    /// Next level from the seeded generator (splitmix64): floor(-ln(u) / ln(m)).
    func drawLevel() -> Int {
        rngState &+= 0x9E37_79B9_7F4A_7C15
        var z = rngState
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = (Double(z >> 11) + 1) * 0x1p-53  // (0, 1]
        let l = Int(-log(u) * levelMult)
        return min(l, HNSWConfiguration.maxLevel)
    }

    /// Puts `level` and fresh empty lists on slot `s` (vector and label set by the caller).
    func initSlot(_ s: UInt32, level: Int) {
        let i = Int(s)
        levels[i] = UInt8(level)
        flags[i] = 0
        (links0 + i * stride0).update(repeating: 0, count: stride0)
        if i < slotCount { upper[i]?.deallocate() }
        if level > 0 {
            let p = UnsafeMutablePointer<UInt32>.allocate(capacity: level * strideUp)
            p.initialize(repeating: 0, count: level * strideUp)
            upper[i] = p
        } else {
            upper[i] = nil
        }
    }

    /// Owned vectors: copies `v` into slot `s`, normalising for cosine. External vectors:
    /// slot `s` points at `v` (the caller's stable, stored-form row).
    func storeVector(_ s: UInt32, _ v: UnsafePointer<Float>) {
        if let vectors {
            vectors.set(row: Int(s), from: v)
            let row = vectors.pointer(at: Int(s))
            if metric == .cosine { VectorKernels.normalize(row, dim) }
            vptr[Int(s)] = UnsafePointer(row)
        } else {
            vptr[Int(s)] = v
        }
        if codes != nil { encodeCodes(s) }
    }

    func validateVector(_ v: UnsafeBufferPointer<Float>) throws(HNSWError) {
        guard v.count == dim else {
            throw HNSWError(.dimensionMismatch, "vector has \(v.count) components, index dimension is \(dim)")
        }
        guard let p = v.baseAddress, VectorKernels.allFinite(p, dim) else {
            throw HNSWError(.nonFinite, "vector contains NaN or infinity")
        }
    }

    // MARK: Scratch pool

    @inline(__always)
    func withScratch<T, E: Error>(_ body: (HNSWScratch) throws(E) -> T) throws(E) -> T {
        let s = pool.withLock { $0.popLast() }
            ?? HNSWScratch(slots: capacity, maxList: max(configuration.efConstruction, maxM0) + 1)
        defer { pool.withLock { $0.append(s) } }
        return try body(s)
    }
}
