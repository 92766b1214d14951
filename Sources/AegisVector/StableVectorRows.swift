/// Append-only float32 rows whose addresses never change: 64-byte aligned chunks of
/// `chunkRows` rows, never moved or freed before the owner is released. For owners that hand
/// out row pointers to an index with external vectors (docs/hnsw.md, "External vectors"): the
/// engine's in-memory backend and the offline index builds of `reembed`. Not thread-safe by
/// itself: the owner serialises `append`; reading a row already appended needs no lock.
public final class StableVectorRows: @unchecked Sendable {
    public let dimension: Int
    public let chunkRows: Int
    private var chunks: [UnsafeMutablePointer<Float>] = []
    public private(set) var count = 0

    public init(dimension: Int, chunkRows: Int = 4096) {
        precondition(dimension >= 1 && dimension <= VectorArena.maxDimension && chunkRows >= 1)
        self.dimension = dimension
        self.chunkRows = chunkRows
    }

    deinit { for c in chunks { c.deallocate() } }

    /// Bytes held (whole chunks).
    public var allocatedBytes: Int { chunks.count * chunkRows * dimension * 4 }

    /// Copies `v` (`dimension` floats) into a new row and returns its stable address.
    public func append(_ v: UnsafeBufferPointer<Float>) -> UnsafePointer<Float> {
        precondition(v.count == dimension, "row has \(v.count) components, expected \(dimension)")
        if count / chunkRows >= chunks.count {
            let raw = UnsafeMutableRawPointer.allocate(byteCount: chunkRows * dimension * 4, alignment: VectorArena.alignment)
            chunks.append(raw.bindMemory(to: Float.self, capacity: chunkRows * dimension))
        }
        let dst = chunks[count / chunkRows] + (count % chunkRows) * dimension
        dst.update(from: v.baseAddress!, count: dimension)
        count += 1
        return UnsafePointer(dst)
    }

    public func append(_ v: [Float]) -> UnsafePointer<Float> {
        v.withUnsafeBufferPointer { append($0) }
    }
}
