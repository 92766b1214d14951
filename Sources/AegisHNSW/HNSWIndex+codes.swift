import AegisVector
import Dispatch

/// Int8 traversal codes: an optional compact copy of every stored vector (`Int8Kernels`),
/// a quarter of the float32 bytes. When enabled, the layer-0 beam search of `search` compares
/// the quantised query with these codes — the beam search is memory-bound, and it reads a
/// quarter of the bytes — and the accepted candidates (at most `ef`) are then re-ranked with the
/// exact float32 distances, so the returned distances and their order are exact. Inserts,
/// deletes, the upper-level descent and every exact scan use the float32 vectors as before; the
/// graph built is identical with or without codes. Codes are derived data; they are encoded
/// with the graph when enabled (format version 2) so a start-up need not read every vector to
/// rebuild them. Cost: `rowBytes(dimension) + 8` bytes per slot.
extension HNSWIndex {
    /// Whether searches traverse level 0 on int8 codes (see above).
    public var usesTraversalCodes: Bool { rw.withReadLock { codes != nil } }

    /// Enables (building the codes of every slot) or disables (freeing them) int8 traversal.
    public func useTraversalCodes(_ on: Bool) {
        exclusive { setCodesLocked(on) }
    }

    func setCodesLocked(_ on: Bool) {
        guard on else { freeCodes(); return }
        guard codes == nil else { return }
        allocateCodes()
        // Rows are independent: large graphs (start-up after decoding) encode on every core.
        let n = slotCount
        let chunk = 8192
        if n <= chunk {
            for s in 0..<n { encodeCodes(UInt32(s)) }
        } else {
            DispatchQueue.concurrentPerform(iterations: (n + chunk - 1) / chunk) { c in
                for s in (c * chunk)..<min(n, (c + 1) * chunk) { encodeCodes(UInt32(s)) }
            }
        }
    }

    /// Zeroed code buffers for `capacity` slots (none encoded yet).
    func allocateCodes() {
        let rows = max(capacity, 1)
        codes = UnsafeMutableRawPointer.allocate(byteCount: rows * codeStride, alignment: VectorArena.alignment)
        codes!.initializeMemory(as: UInt8.self, repeating: 0, count: rows * codeStride)
        codeScale = .allocate(capacity: rows)
        codeScale!.initialize(repeating: 0, count: rows)
        codeNorm = .allocate(capacity: rows)
        codeNorm!.initialize(repeating: 0, count: rows)
    }

    func freeCodes() {
        codes?.deallocate()
        codeScale?.deallocate()
        codeNorm?.deallocate()
        codes = nil
        codeScale = nil
        codeNorm = nil
    }

    /// Grows the code buffers with the other per-slot arrays (under the write lock).
    func growCodes(old: Int, new: Int) {
        guard let old0 = codes else { return }
        let fresh = UnsafeMutableRawPointer.allocate(byteCount: new * codeStride, alignment: VectorArena.alignment)
        fresh.initializeMemory(as: UInt8.self, repeating: 0, count: new * codeStride)
        if old > 0 { fresh.copyMemory(from: old0, byteCount: min(old, new) * codeStride) }
        old0.deallocate()
        codes = fresh
        codeScale = Self.grown(codeScale!, old: old, new: new)
        codeNorm = Self.grown(codeNorm!, old: old, new: new)
    }

    /// Quantises the stored vector of slot `s` (after normalisation).
    func encodeCodes(_ s: UInt32) {
        guard let codes, let codeScale, let codeNorm else { return }
        let v = vec(s)
        codeScale[Int(s)] = Int8Kernels.quantize(v, dim, into: codes + Int(s) &* codeStride)
        codeNorm[Int(s)] = VectorKernels.dot(v, v, dim)
    }

    /// The code view of a prepared (normalised) query: quantised into the scratch buffer.
    func codeSpace(_ q: UnsafePointer<Float>, scratch: HNSWScratch) -> CodeSpace {
        let qc = scratch.codeBuffer(codeStride)
        let qs = Int8Kernels.quantize(q, dim, into: qc)
        return CodeSpace(
            query: UnsafeRawPointer(qc), queryScale: qs, queryNorm: VectorKernels.dot(q, q, dim),
            base: UnsafeRawPointer(codes.unsafelyUnwrapped), stride: codeStride,
            scales: codeScale.unsafelyUnwrapped, norms: codeNorm.unsafelyUnwrapped, l2: metric == .l2)
    }

    /// Replaces the approximate keys left in `scratch.results` by exact float32 keys and
    /// restores the max-heap (a descending order is one).
    func rerankResults(_ q: UnsafePointer<Float>, scratch: HNSWScratch) {
        let n = scratch.results.count
        guard n > 0 else { return }
        let buf = scratch.results.buf
        // Touch every cache line of the beam's vectors first (independent loads that overlap),
        // as the beam search does, then compute.
        var sink: UInt8 = 0
        let lineBytes = dim &* 4
        for i in 0..<n {
            let p = UnsafeRawPointer(vec(keySlot(buf[i])))
            var o = 0
            while o < lineBytes {
                sink &+= p.load(fromByteOffset: o, as: UInt8.self)
                o &+= 64
            }
        }
        scratch.sink &+= sink
        for i in 0..<n {
            let s = keySlot(buf[i])
            buf[i] = packKey(distance(q, s), s)
        }
        var all = UnsafeMutableBufferPointer(start: buf, count: n)
        all.sort(by: >)
    }
}

/// How the beam search measures a slot: row address and size (for the software prefetch) and
/// its distance to the prepared query.
protocol LayerSpace {
    var rowBytes: Int { get }
    func row(_ s: UInt32) -> UnsafeRawPointer
    func distance(_ s: UInt32) -> Float
}

/// Exact float32 distances to the stored vectors.
struct FloatSpace: LayerSpace {
    let query: UnsafePointer<Float>
    /// The index's per-slot row pointers.
    let rows: UnsafeMutablePointer<UnsafePointer<Float>>
    let dim: Int
    let metric: VectorMetric
    @inline(__always) var rowBytes: Int { dim &* 4 }
    @inline(__always) func row(_ s: UInt32) -> UnsafeRawPointer { UnsafeRawPointer(rows[Int(s)]) }
    @inline(__always) func distance(_ s: UInt32) -> Float { metric.distance(query, rows[Int(s)], dim) }
}

/// Approximate distances on int8 codes: cosine / inner product `1 − qs·s·Σqc`, l2
/// `‖q‖² + ‖v‖² − 2·qs·s·Σqc` with exact norms.
struct CodeSpace: LayerSpace {
    let query: UnsafeRawPointer
    let queryScale: Float
    let queryNorm: Float
    let base: UnsafeRawPointer
    let stride: Int
    let scales: UnsafeMutablePointer<Float>
    let norms: UnsafeMutablePointer<Float>
    let l2: Bool
    @inline(__always) var rowBytes: Int { stride }
    @inline(__always) func row(_ s: UInt32) -> UnsafeRawPointer { base + Int(s) &* stride }
    @inline(__always) func distance(_ s: UInt32) -> Float {
        let d = Float(Int8Kernels.dot(query, base + Int(s) &* stride, bytes: stride)) * (queryScale * scales[Int(s)])
        return l2 ? queryNorm + norms[Int(s)] - 2 * d : 1 - d
    }
}

extension HNSWIndex {
    /// Whether the int8 codes kept for `label` are those of its current row (nil: no such
    /// label, or no codes). `verify` uses it to tell a graph built for other vectors.
    public func codesAgree(label: UInt64) -> Bool? {
        rw.withReadLock { () -> Bool? in
            guard let s = labelToSlot[label], let codes, let codeScale else { return nil }
            let fresh = UnsafeMutableRawPointer.allocate(byteCount: codeStride, alignment: VectorArena.alignment)
            defer { fresh.deallocate() }
            let scale = Int8Kernels.quantize(vec(s), dim, into: fresh)
            let stored = UnsafeRawBufferPointer(start: codes + Int(s) &* codeStride, count: codeStride)
            return scale == codeScale[Int(s)] && UnsafeRawBufferPointer(start: fresh, count: codeStride).elementsEqual(stored)
        }
    }
}
