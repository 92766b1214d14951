import Dispatch

/// A dense layer `y = x·Wᵀ + b` whose weight is stored pre-packed for the GEMM micro-kernel:
/// column panels of `KernelBuild.panelWidth` (16) output features, each panel laid out
/// `[inFeatures][16]` so the kernel streams it with unit stride.
public struct PackedLinear: Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    /// `[outFeatures / 16][inFeatures][16]`.
    let panels: [Float]
    let bias: [Float]

    /// - Parameters:
    ///   - weight: row-major `[outFeatures][inFeatures]` (PyTorch `nn.Linear` layout).
    ///   - bias: `outFeatures` values.
    /// Precondition (validated by the model loader): `outFeatures` is a positive multiple of 16.
    public init(weight: [Float], bias: [Float], outFeatures: Int, inFeatures: Int) {
        let w = KernelBuild.panelWidth
        precondition(outFeatures > 0 && outFeatures % w == 0 && inFeatures > 0)
        precondition(weight.count == outFeatures * inFeatures && bias.count == outFeatures)
        var packed = [Float](repeating: 0, count: outFeatures * inFeatures)
        packed.withUnsafeMutableBufferPointer { dst in
            weight.withUnsafeBufferPointer { src in
                for p in 0..<(outFeatures / w) {
                    let base = p * inFeatures * w
                    for j in 0..<w {
                        let row = (p * w + j) * inFeatures
                        for k in 0..<inFeatures { dst[base + k * w + j] = src[row + k] }
                    }
                }
            }
        }
        self.panels = packed
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
    }

    /// Concatenates layers with the same input width along the output axis (e.g. Q, K and V
    /// into one `3·hidden` projection, so one GEMM pass reads the activations once).
    public static func concatenating(_ layers: [PackedLinear]) -> PackedLinear {
        precondition(!layers.isEmpty && layers.allSatisfy { $0.inFeatures == layers[0].inFeatures })
        var out = layers[0]
        for l in layers.dropFirst() {
            out = PackedLinear(inFeatures: out.inFeatures, outFeatures: out.outFeatures + l.outFeatures,
                               panels: out.panels + l.panels, bias: out.bias + l.bias)
        }
        return out
    }

    private init(inFeatures: Int, outFeatures: Int, panels: [Float], bias: [Float]) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures; self.panels = panels; self.bias = bias
    }

    /// `y[r][0..<outFeatures] = x[r][0..<inFeatures]·Wᵀ + b` for `rows` rows.
    /// `x` rows are `xStride` floats apart, `y` rows `yStride` apart (both ≥ the widths).
    /// With `parallelism > 1` the output panels are split across that many threads
    /// (for single small batches, where there is no batch-level parallelism to use).
    public func apply(_ x: UnsafePointer<Float>, xStride: Int, rows: Int,
                      into y: UnsafeMutablePointer<Float>, yStride: Int, parallelism: Int = 1) {
        guard rows > 0 else { return }
        let panelCount = outFeatures / KernelBuild.panelWidth
        let parts = min(parallelism, panelCount / 4)
        if parts <= 1 {
            apply(x, xStride: xStride, rows: rows, into: y, yStride: yStride, panels: 0..<panelCount)
            return
        }
        // Sendable wrappers for the pointers: each part writes a disjoint column range of y.
        let xa = UInt(bitPattern: x), ya = UInt(bitPattern: y)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let lo = panelCount * part / parts, hi = panelCount * (part + 1) / parts
            self.apply(UnsafePointer(bitPattern: xa)!, xStride: xStride, rows: rows,
                       into: UnsafeMutablePointer(bitPattern: ya)!, yStride: yStride, panels: lo..<hi)
        }
    }

    /// Blocked GEMM over a range of output panels: rows in chunks whose activations stay in L2,
    /// the reduction axis in blocks of `kBlock` so one weight panel block (16 × 256 floats =
    /// 16 KiB) stays in L1 while every 6-row block of the chunk streams past it.
    private func apply(_ x: UnsafePointer<Float>, xStride: Int, rows: Int,
                       into y: UnsafeMutablePointer<Float>, yStride: Int, panels range: Range<Int>) {
        let k = inFeatures
        let kBlock = 256
        let rowChunk = 96
        panels.withUnsafeBufferPointer { pp in
            bias.withUnsafeBufferPointer { bp in
                let wp = pp.baseAddress!, bb = bp.baseAddress!
                var r0 = 0
                while r0 < rows {
                    let r1 = min(rows, r0 + rowChunk)
                    var k0 = 0
                    while k0 < k {
                        let kn = min(kBlock, k - k0)
                        for p in range {
                            let panel = wp + p * k * 16 + k0 * 16
                            var r = r0
                            while r < r1 {
                                let n = min(6, r1 - r)
                                microKernel(a: x + r * xStride + k0, lda: xStride, rows: n, panel: panel, k: kn,
                                            bias: k0 == 0 ? bb + p * 16 : nil, c: y + r * yStride + p * 16, ldc: yStride)
                                r += n
                            }
                        }
                        k0 += kn
                    }
                    r0 = r1
                }
            }
        }
    }
}

/// Up to 6 rows × 16 columns of `C = A·B + bias` (or `C += A·B` when `bias` is nil), B one packed
/// panel. Rows past `rows` reuse the last valid row's pointer (harmless duplicate work) and are
/// not stored.
@inline(__always)
private func microKernel(a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>, k: Int,
                         bias: UnsafePointer<Float>?, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let a0 = a
    let a1 = a + min(1, rows - 1) * lda
    let a2 = a + min(2, rows - 1) * lda
    let a3 = a + min(3, rows - 1) * lda
    let a4 = a + min(4, rows - 1) * lda
    let a5 = a + min(5, rows - 1) * lda
    #if AEGIS_AVX2_FMA
    // 12 ymm accumulators + 2 for B + 1 broadcast = 15 of 16 registers.
    var c0l, c0h, c1l, c1h, c2l, c2h, c3l, c3h, c4l, c4h, c5l, c5h: SIMD8<Float>
    if let bias {
        let bl = load8(bias), bh = load8(bias + 8)
        c0l = bl; c0h = bh; c1l = bl; c1h = bh; c2l = bl; c2h = bh
        c3l = bl; c3h = bh; c4l = bl; c4h = bh; c5l = bl; c5h = bh
    } else {
        let r1 = min(1, rows - 1) * ldc, r2 = min(2, rows - 1) * ldc, r3 = min(3, rows - 1) * ldc
        let r4 = min(4, rows - 1) * ldc, r5 = min(5, rows - 1) * ldc
        c0l = load8(c); c0h = load8(c + 8); c1l = load8(c + r1); c1h = load8(c + r1 + 8)
        c2l = load8(c + r2); c2h = load8(c + r2 + 8); c3l = load8(c + r3); c3h = load8(c + r3 + 8)
        c4l = load8(c + r4); c4h = load8(c + r4 + 8); c5l = load8(c + r5); c5h = load8(c + r5 + 8)
    }
    var b = panel
    for kk in 0..<k {
        let xl = load8(b), xh = load8(b + 8)
        var s = SIMD8<Float>(repeating: a0[kk]); c0l = madd(c0l, s, xl); c0h = madd(c0h, s, xh)
        s = SIMD8<Float>(repeating: a1[kk]); c1l = madd(c1l, s, xl); c1h = madd(c1h, s, xh)
        s = SIMD8<Float>(repeating: a2[kk]); c2l = madd(c2l, s, xl); c2h = madd(c2h, s, xh)
        s = SIMD8<Float>(repeating: a3[kk]); c3l = madd(c3l, s, xl); c3h = madd(c3h, s, xh)
        s = SIMD8<Float>(repeating: a4[kk]); c4l = madd(c4l, s, xl); c4h = madd(c4h, s, xh)
        s = SIMD8<Float>(repeating: a5[kk]); c5l = madd(c5l, s, xl); c5h = madd(c5h, s, xh)
        b += 16
    }
    store8(c, c0l); store8(c + 8, c0h)
    if rows > 1 { store8(c + ldc, c1l); store8(c + ldc + 8, c1h) }
    if rows > 2 { store8(c + 2 * ldc, c2l); store8(c + 2 * ldc + 8, c2h) }
    if rows > 3 { store8(c + 3 * ldc, c3l); store8(c + 3 * ldc + 8, c3h) }
    if rows > 4 { store8(c + 4 * ldc, c4l); store8(c + 4 * ldc + 8, c4h) }
    if rows > 5 { store8(c + 5 * ldc, c5l); store8(c + 5 * ldc + 8, c5h) }
    #else
    // Baseline SSE: 16 xmm registers, so do the panel as two halves of 8 columns,
    // each 6 rows × 2 SIMD4 = 12 accumulators.
    for half in 0..<2 {
        let off = half * 8
        var c0l, c0h, c1l, c1h, c2l, c2h, c3l, c3h, c4l, c4h, c5l, c5h: SIMD4<Float>
        if let bias {
            let bl = load4(bias + off), bh = load4(bias + off + 4)
            c0l = bl; c0h = bh; c1l = bl; c1h = bh; c2l = bl; c2h = bh
            c3l = bl; c3h = bh; c4l = bl; c4h = bh; c5l = bl; c5h = bh
        } else {
            let c = c + off
            let r1 = min(1, rows - 1) * ldc, r2 = min(2, rows - 1) * ldc, r3 = min(3, rows - 1) * ldc
            let r4 = min(4, rows - 1) * ldc, r5 = min(5, rows - 1) * ldc
            c0l = load4(c); c0h = load4(c + 4); c1l = load4(c + r1); c1h = load4(c + r1 + 4)
            c2l = load4(c + r2); c2h = load4(c + r2 + 4); c3l = load4(c + r3); c3h = load4(c + r3 + 4)
            c4l = load4(c + r4); c4h = load4(c + r4 + 4); c5l = load4(c + r5); c5h = load4(c + r5 + 4)
        }
        var b = panel + off
        for kk in 0..<k {
            let xl = load4(b), xh = load4(b + 4)
            var s = SIMD4<Float>(repeating: a0[kk]); c0l = madd(c0l, s, xl); c0h = madd(c0h, s, xh)
            s = SIMD4<Float>(repeating: a1[kk]); c1l = madd(c1l, s, xl); c1h = madd(c1h, s, xh)
            s = SIMD4<Float>(repeating: a2[kk]); c2l = madd(c2l, s, xl); c2h = madd(c2h, s, xh)
            s = SIMD4<Float>(repeating: a3[kk]); c3l = madd(c3l, s, xl); c3h = madd(c3h, s, xh)
            s = SIMD4<Float>(repeating: a4[kk]); c4l = madd(c4l, s, xl); c4h = madd(c4h, s, xh)
            s = SIMD4<Float>(repeating: a5[kk]); c5l = madd(c5l, s, xl); c5h = madd(c5h, s, xh)
            b += 16
        }
        let cc = c + off
        store4(cc, c0l); store4(cc + 4, c0h)
        if rows > 1 { store4(cc + ldc, c1l); store4(cc + ldc + 4, c1h) }
        if rows > 2 { store4(cc + 2 * ldc, c2l); store4(cc + 2 * ldc + 4, c2h) }
        if rows > 3 { store4(cc + 3 * ldc, c3l); store4(cc + 3 * ldc + 4, c3h) }
        if rows > 4 { store4(cc + 4 * ldc, c4l); store4(cc + 4 * ldc + 4, c4h) }
        if rows > 5 { store4(cc + 5 * ldc, c5l); store4(cc + 5 * ldc + 4, c5h) }
    }
    #endif
}
