/// Symmetric int8 scalar quantisation of float32 vectors, for compact traversal copies.
///
/// A vector `v` becomes codes `c[i] = round(v[i] / s)` with one scale `s = max|v[i]| / 127`
/// per vector, so every code is in -127...127 and `v[i] ≈ s · c[i]`. The dot product of two
/// quantised vectors is `sa · sb · Σ ca[i]·cb[i]`, computed in exact integer arithmetic: each
/// product fits Int16 (≤ 127²) and the Int32 sum cannot overflow (127² · 65,536 < 2³¹, 65,536
/// being the largest dimension). Rows are padded with zero codes to a multiple of 64 bytes,
/// so the kernel needs no remainder loop and padding contributes nothing.
///
/// Error: each component is off by at most s/2, so for unit vectors of dimension d the dot
/// product is off by about s · √d / √6 (≈ 5·10⁻⁴ for 384-d text embeddings) — far below the
/// gaps between neighbours. Callers re-rank their final candidates with the float vectors.
public enum Int8Kernels {
    /// Bytes of one code row for `dimension` components (a multiple of 64).
    @inlinable
    public static func rowBytes(dimension: Int) -> Int { (dimension + 63) & ~63 }

    /// Writes the codes of `v` (`n` floats) to `out` (`rowBytes(dimension: n)` bytes, padding
    /// zeroed) and returns the scale. A zero or non-finite vector gets scale 0 and zero codes.
    @discardableResult
    public static func quantize(_ v: UnsafePointer<Float>, _ n: Int, into out: UnsafeMutableRawPointer) -> Float {
        // Scalar on purpose: `pointwiseMax` / `.max()` on SIMD16 spill every lane here.
        var maxAbs: Float = 0
        var i = 0
        while i < n {
            let a = abs(v[i])
            if a > maxAbs { maxAbs = a }
            i &+= 1
        }
        let bytes = rowBytes(dimension: n)
        out.initializeMemory(as: Int8.self, repeating: 0, count: bytes)
        guard maxAbs > 0, maxAbs.isFinite, VectorKernels.allFinite(v, n) else { return 0 }
        let scale = maxAbs / 127
        let inv = 127 / maxAbs
        // Round to nearest-even with the 1.5·2²³ trick (|x| ≤ 127 ≪ 2²²): adding the magic
        // number leaves the rounded integer in the low mantissa bits. Plain scalar code that
        // the loop vectoriser handles; Swift's generic SIMD conversions and `rounded()` are
        // per-lane calls here (measured: 28 µs per 384-d vector before, see docs/hnsw.md).
        let codes = out.assumingMemoryBound(to: Int8.self)
        i = 0
        while i < n {
            let x = min(127, max(-127, v[i] * inv)) + 12_582_912
            codes[i] = Int8(truncatingIfNeeded: Int32(bitPattern: x.bitPattern) &- 0x4B40_0000)
            i &+= 1
        }
        return scale
    }

    /// Σ a[i]·b[i] over two code rows of `bytes` bytes (a multiple of 64; both zero-padded).
    ///
    /// Written with shifts only (Swift's SIMD width conversions are not lowered to vector
    /// instructions): 16 codes are loaded as eight Int16 lanes; `(w << 8) >> 8` sign-extends
    /// the even bytes and `w >> 8` the odd ones; the two products of a lane pair add up to at
    /// most 2·127² < 2¹⁵, so they fit an Int16 lane, which is then widened the same way into
    /// Int32 accumulators. SSE2 / NEON: psllw, psraw, pmullw, paddw, pslld, psrad, paddd.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, bytes: Int) -> Int32 {
        var s0 = SIMD4<Int32>(), s1 = SIMD4<Int32>(), s2 = SIMD4<Int32>(), s3 = SIMD4<Int32>()
        var o = 0
        while o < bytes {
            let p0 = pairProducts(a.loadUnaligned(fromByteOffset: o, as: SIMD8<Int16>.self),
                                  b.loadUnaligned(fromByteOffset: o, as: SIMD8<Int16>.self))
            let p1 = pairProducts(a.loadUnaligned(fromByteOffset: o &+ 16, as: SIMD8<Int16>.self),
                                  b.loadUnaligned(fromByteOffset: o &+ 16, as: SIMD8<Int16>.self))
            let w0 = unsafeBitCast(p0, to: SIMD4<Int32>.self)
            let w1 = unsafeBitCast(p1, to: SIMD4<Int32>.self)
            s0 &+= (w0 &<< 16) &>> 16
            s1 &+= w0 &>> 16
            s2 &+= (w1 &<< 16) &>> 16
            s3 &+= w1 &>> 16
            o &+= 32
        }
        return ((s0 &+ s1) &+ (s2 &+ s3)).wrappedSum()
    }

    /// For 16 int8 codes packed in eight Int16 lanes: per lane, even·even + odd·odd.
    @inlinable @inline(__always)
    static func pairProducts(_ x: SIMD8<Int16>, _ y: SIMD8<Int16>) -> SIMD8<Int16> {
        let xe = (x &<< 8) &>> 8, xo = x &>> 8
        let ye = (y &<< 8) &>> 8, yo = y &>> 8
        return xe &* ye &+ xo &* yo
    }
}
