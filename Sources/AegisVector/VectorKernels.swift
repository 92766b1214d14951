/// Float32 kernels for vectors of any dimension: a SIMD main loop (four independent
/// 16-lane accumulators = 64 floats per iteration), a 16-lane loop, then a scalar remainder.
///
/// Fused multiply-add: `SIMD16<Float>.addingProduct` is only fast when the compiler may emit
/// FMA instructions. On aarch64 it always can; on x86-64 only when the module is built for an
/// FMA-capable CPU, which Package.swift does by default on an AVX2+FMA build host
/// (`-target-cpu haswell -D AEGIS_AVX2_FMA`; docs/configuration.md, "Build"). The portable build
/// (`AEGIS_PORTABLE=1`) writes `acc += a * b`, plain SSE multiplies and adds, correct on every
/// x86-64 CPU (measured in docs/benchmarks.md, "Vector index").
public enum VectorKernels {
    /// Whether the kernels were compiled with fused multiply-add.
    public static var usesFMA: Bool {
        #if arch(arm64) || AEGIS_AVX2_FMA
        return true
        #else
        return false
        #endif
    }

    /// Whether this module (and AegisHNSW / AegisEngine, built with the same flags) needs a CPU
    /// with AVX2+FMA: check `HostCPU` before running any of their code.
    public static var requiresAVX2FMA: Bool {
        #if AEGIS_AVX2_FMA
        return true
        #else
        return false
        #endif
    }

    @inlinable @inline(__always)
    static func madd(_ acc: SIMD16<Float>, _ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> {
        #if arch(arm64) || AEGIS_AVX2_FMA
        return acc.addingProduct(a, b)
        #else
        return acc + a * b
        #endif
    }

    /// Horizontal sum by halving (cheaper than `.sum()`'s lane-by-lane reduction).
    @inlinable @inline(__always)
    static func hsum(_ v: SIMD16<Float>) -> Float {
        let a = v.lowHalf + v.highHalf
        let b = a.lowHalf + a.highHalf
        let c = b.lowHalf + b.highHalf
        return c[0] + c[1]
    }

    /// Inner product of `n` floats.
    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        var i = 0
        while i &+ 64 <= n {
            let o = i &* 4
            s0 = madd(s0, ra.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self),
                      rb.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self))
            s1 = madd(s1, ra.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD16<Float>.self),
                      rb.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD16<Float>.self))
            s2 = madd(s2, ra.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD16<Float>.self),
                      rb.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD16<Float>.self))
            s3 = madd(s3, ra.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD16<Float>.self),
                      rb.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD16<Float>.self))
            i &+= 64
        }
        while i &+ 16 <= n {
            let o = i &* 4
            s0 = madd(s0, ra.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self),
                      rb.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self))
            i &+= 16
        }
        var sum = hsum((s0 + s1) + (s2 + s3))
        while i < n {
            sum += a[i] * b[i]
            i &+= 1
        }
        return sum
    }

    /// Squared Euclidean distance of `n` floats.
    @inlinable @inline(__always)
    public static func l2Squared(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var s0 = SIMD16<Float>(), s1 = SIMD16<Float>(), s2 = SIMD16<Float>(), s3 = SIMD16<Float>()
        var i = 0
        while i &+ 64 <= n {
            let o = i &* 4
            let d0 = ra.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: o &+ 64, as: SIMD16<Float>.self)
            let d2 = ra.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: o &+ 128, as: SIMD16<Float>.self)
            let d3 = ra.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: o &+ 192, as: SIMD16<Float>.self)
            s0 = madd(s0, d0, d0); s1 = madd(s1, d1, d1); s2 = madd(s2, d2, d2); s3 = madd(s3, d3, d3)
            i &+= 64
        }
        while i &+ 16 <= n {
            let o = i &* 4
            let d0 = ra.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
            s0 = madd(s0, d0, d0)
            i &+= 16
        }
        var sum = hsum((s0 + s1) + (s2 + s3))
        while i < n {
            let d = a[i] - b[i]
            sum += d * d
            i &+= 1
        }
        return sum
    }

    /// Euclidean norm.
    @inlinable @inline(__always)
    public static func norm(_ a: UnsafePointer<Float>, _ n: Int) -> Float {
        dot(a, a, n).squareRoot()
    }

    /// Cosine similarity in [-1, 1]; 0 when either vector is all zeros.
    public static func cosine(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        let na = dot(a, a, n), nb = dot(b, b, n)
        if na == 0 || nb == 0 { return 0 }
        return dot(a, b, n) / (na.squareRoot() * nb.squareRoot())
    }

    /// Scales `a` in place to unit length and returns the original norm. A zero vector is left
    /// as zeros and 0 is returned (callers decide whether that is an error).
    @discardableResult
    public static func normalize(_ a: UnsafeMutablePointer<Float>, _ n: Int) -> Float {
        let nrm = norm(a, n)
        if nrm == 0 || !nrm.isFinite { return nrm }
        let inv = 1 / nrm
        var i = 0
        while i &+ 16 <= n {
            let p = UnsafeMutableRawPointer(a + i)
            p.storeBytes(of: p.loadUnaligned(as: SIMD16<Float>.self) * inv, as: SIMD16<Float>.self)
            i &+= 16
        }
        while i < n { a[i] *= inv; i &+= 1 }
        return nrm
    }

    /// True when every component is finite (no NaN, no ±Inf).
    public static func allFinite(_ a: UnsafePointer<Float>, _ n: Int) -> Bool {
        // x - x is 0 for finite x and NaN for NaN/Inf; NaN != NaN.
        var acc = SIMD16<Float>()
        var i = 0
        while i &+ 16 <= n {
            let v = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
            acc += v - v
            i &+= 16
        }
        var s: Float = acc.sum()
        while i < n { s += a[i] - a[i]; i &+= 1 }
        return s == 0
    }

    // MARK: Array conveniences (not for hot loops)

    public static func dot(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dimension mismatch")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in dot(pa.baseAddress!, pb.baseAddress!, a.count) }
        }
    }

    public static func l2Squared(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dimension mismatch")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in l2Squared(pa.baseAddress!, pb.baseAddress!, a.count) }
        }
    }

    public static func cosine(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "dimension mismatch")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in cosine(pa.baseAddress!, pb.baseAddress!, a.count) }
        }
    }

    /// Returns a unit-length copy (zeros stay zeros).
    public static func normalized(_ a: [Float]) -> [Float] {
        var out = a
        out.withUnsafeMutableBufferPointer { p in
            if let b = p.baseAddress { normalize(b, p.count) }
        }
        return out
    }

    public static func allFinite(_ a: [Float]) -> Bool {
        a.withUnsafeBufferPointer { p in p.baseAddress.map { allFinite($0, p.count) } ?? true }
    }
}
