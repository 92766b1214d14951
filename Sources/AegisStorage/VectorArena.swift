import AegisLog

/// Stores every vector of the open store, `dimension` floats each, addressed by slot.
/// Slots `0..<baseCount` live in a snapshot's vector section (memory-mapped, read-only); later
/// slots live in fixed-size, 64-byte aligned chunks. A slot's bytes never change once written
/// (a re-embedding gets a new slot), so a checkpoint can copy vectors outside the state lock.
/// Not thread-safe by itself: guarded by the store's lock.
final class VectorArena: @unchecked Sendable {
    let dimension: Int
    static let chunkVectors = 8192
    private var base: FileBytes?
    private var basePointer: UnsafePointer<Float>?
    private(set) var baseCount: Int
    private(set) var chunks: [UnsafeMutablePointer<Float>] = []
    private(set) var count: Int

    init(dimension: Int) {
        self.dimension = dimension
        baseCount = 0
        count = 0
    }

    /// Adopts `count` vectors at `pointer` (inside `owner`, kept alive) as slots 0..<count.
    init(dimension: Int, base owner: FileBytes, pointer: UnsafePointer<Float>?, count: Int) {
        self.dimension = dimension
        base = owner
        basePointer = pointer
        baseCount = count
        self.count = count
    }

    deinit { for c in chunks { c.deallocate() } }

    /// Appends one vector (must have `dimension` components); returns its slot.
    func append(_ v: [Float]) -> Int32 {
        precondition(v.count == dimension)
        let slot = count
        let local = slot - baseCount
        if local / Self.chunkVectors >= chunks.count {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: Self.chunkVectors * dimension * 4, alignment: 64)
            chunks.append(raw.bindMemory(to: Float.self, capacity: Self.chunkVectors * dimension))
        }
        let dst = chunks[local / Self.chunkVectors] + (local % Self.chunkVectors) * dimension
        v.withUnsafeBufferPointer { dst.update(from: $0.baseAddress!, count: dimension) }
        count += 1
        return Int32(slot)
    }

    func pointer(_ slot: Int32) -> UnsafePointer<Float> {
        let s = Int(slot)
        precondition(s >= 0 && s < count, "vector slot \(s) out of range")
        if s < baseCount { return basePointer! + s * dimension }
        let local = s - baseCount
        return UnsafePointer(chunks[local / Self.chunkVectors] + (local % Self.chunkVectors) * dimension)
    }

    func vector(_ slot: Int32) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: pointer(slot), count: dimension)
    }

    /// A frozen view of the slots that exist now; valid while this arena lives (it keeps it).
    func frozen() -> FrozenVectors {
        FrozenVectors(arena: self, basePointer: basePointer, baseCount: baseCount, chunks: chunks, count: count)
    }
}

/// Read access to the slots of an arena as of `frozen()`; safe to use without the store lock
/// because those slots never change.
struct FrozenVectors: @unchecked Sendable {
    let arena: VectorArena
    let basePointer: UnsafePointer<Float>?
    let baseCount: Int
    let chunks: [UnsafeMutablePointer<Float>]
    let count: Int

    func pointer(_ slot: Int32) -> UnsafePointer<Float> {
        let s = Int(slot)
        precondition(s >= 0 && s < count)
        let d = arena.dimension
        if s < baseCount { return basePointer! + s * d }
        let local = s - baseCount
        return UnsafePointer(chunks[local / VectorArena.chunkVectors] + (local % VectorArena.chunkVectors) * d)
    }
}
