/// Contiguous, 64-byte aligned storage for fixed-dimension float32 vectors.
///
/// Row `i` starts at `base + i * stride`; `stride` is the dimension rounded up to 16 floats
/// (one cache line), the padding is zero. The arena grows geometrically; `pointer(at:)` stays
/// valid until the next `append`/`reserve` that grows it. Not thread-safe by itself: owners
/// (the HNSW index, the exact searcher) serialise writers.
public final class VectorArena: @unchecked Sendable {
    /// Largest supported dimension (keeps stride arithmetic far from overflow).
    public static let maxDimension = 65_536
    /// Alignment of every row, in bytes.
    public static let alignment = 64

    public let dimension: Int
    public let stride: Int
    public private(set) var count: Int = 0
    public private(set) var capacity: Int = 0
    public private(set) var base: UnsafeMutablePointer<Float>

    public init(dimension: Int, capacity: Int = 0) throws(VectorError) {
        guard dimension >= 1, dimension <= Self.maxDimension else {
            throw VectorError(.invalidArgument, "dimension \(dimension) outside 1...\(Self.maxDimension)")
        }
        self.dimension = dimension
        self.stride = (dimension + 15) & ~15
        self.base = Self.allocate(floats: 16)
        try reserve(max(capacity, 0))
    }

    deinit { base.deallocate() }

    private static func allocate(floats: Int) -> UnsafeMutablePointer<Float> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: alignment)
        return raw.bindMemory(to: Float.self, capacity: floats)
    }

    /// Bytes held by the arena (capacity, not count).
    public var allocatedBytes: Int { capacity * stride * 4 }

    /// Ensures room for `n` rows without reallocation.
    public func reserve(_ n: Int) throws(VectorError) {
        guard n > capacity else { return }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: stride * 4)
        guard !overflow, bytes < (1 << 40) else {
            throw VectorError(.capacityExceeded, "cannot reserve \(n) vectors of dimension \(dimension)")
        }
        let fresh = Self.allocate(floats: n * stride)
        if count > 0 { fresh.update(from: base, count: count * stride) }
        base.deallocate()
        base = fresh
        capacity = n
    }

    @inlinable @inline(__always)
    public func pointer(at row: Int) -> UnsafeMutablePointer<Float> { base + row &* stride }

    /// Appends a copy of `v` (validated: right dimension, all finite) and returns its row.
    @discardableResult
    public func append(_ v: UnsafeBufferPointer<Float>) throws(VectorError) -> Int {
        guard v.count == dimension else {
            throw VectorError(.dimensionMismatch, "vector has \(v.count) components, arena dimension is \(dimension)")
        }
        guard let src = v.baseAddress else { throw VectorError(.dimensionMismatch, "empty vector") }
        guard VectorKernels.allFinite(src, dimension) else {
            throw VectorError(.nonFinite, "vector contains NaN or infinity")
        }
        if count == capacity { try reserve(Swift.max(16, capacity + capacity / 2 + 1)) }
        let row = count
        set(row: row, from: src)
        count += 1
        return row
    }

    public func append(_ v: [Float]) throws(VectorError) -> Int {
        try v.withUnsafeBufferPointer { (p) throws(VectorError) -> Int in try append(p) }
    }

    /// Overwrites row `row` (< capacity) with `src` and zero padding. No validation.
    @inline(__always)
    public func set(row: Int, from src: UnsafePointer<Float>) {
        let dst = pointer(at: row)
        dst.update(from: src, count: dimension)
        if stride > dimension { (dst + dimension).update(repeating: 0, count: stride - dimension) }
    }

    /// Sets `count` directly (rows below it must have been written with `set(row:from:)`).
    public func setCount(_ n: Int) {
        precondition(n >= 0 && n <= capacity)
        count = n
    }

    /// Copy of row `row` as an array.
    public func vector(at row: Int) -> [Float] {
        precondition(row >= 0 && row < count)
        return Array(UnsafeBufferPointer(start: pointer(at: row), count: dimension))
    }
}
