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
    public func apply(_ x: UnsafePointer<Float>, xStride: Int, rows: Int,
                      into y: UnsafeMutablePointer<Float>, yStride: Int) {
        guard rows > 0 else { return }
        let k = inFeatures
        let panelCount = outFeatures / KernelBuild.panelWidth
        // Block rows so one block of activations plus one weight panel stay in L2.
        let rowChunk = max(6, min(96, (192 * 1024 / (k * 4)) / 6 * 6))
        panels.withUnsafeBufferPointer { pp in
            bias.withUnsafeBufferPointer { bp in
                let wp = pp.baseAddress!, bb = bp.baseAddress!
                var r0 = 0
                while r0 < rows {
                    let r1 = min(rows, r0 + rowChunk)
                    for p in 0..<panelCount {
                        let panel = wp + p * k * 16
                        let b = bb + p * 16
                        var r = r0
                        while r < r1 {
                            let n = min(6, r1 - r)
                            microKernel(a: x + r * xStride, lda: xStride, rows: n, panel: panel, k: k,
                                        bias: b, c: y + r * yStride + p * 16, ldc: yStride)
                            r += n
                        }
                    }
                    r0 = r1
                }
            }
        }
    }
}

/// Up to 6 rows × 16 columns of `C = A·B + bias`, B one packed panel. Rows past `rows` reuse the
/// last valid row's pointer (harmless duplicate work) and are not stored.
@inline(__always)
private func microKernel(a: UnsafePointer<Float>, lda: Int, rows: Int, panel: UnsafePointer<Float>, k: Int,
                         bias: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let a0 = a
    let a1 = a + min(1, rows - 1) * lda
    let a2 = a + min(2, rows - 1) * lda
    let a3 = a + min(3, rows - 1) * lda
    let a4 = a + min(4, rows - 1) * lda
    let a5 = a + min(5, rows - 1) * lda
    #if AEGIS_AVX2_FMA
    // 12 ymm accumulators + 2 for B + 1 broadcast = 15 of 16 registers.
    let bl = load8(bias), bh = load8(bias + 8)
    var c0l = bl, c0h = bh, c1l = bl, c1h = bh, c2l = bl, c2h = bh
    var c3l = bl, c3h = bh, c4l = bl, c4h = bh, c5l = bl, c5h = bh
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
        let bl = load4(bias + off), bh = load4(bias + off + 4)
        var c0l = bl, c0h = bh, c1l = bl, c1h = bh, c2l = bl, c2h = bh
        var c3l = bl, c3h = bh, c4l = bl, c4h = bh, c5l = bl, c5h = bh
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
