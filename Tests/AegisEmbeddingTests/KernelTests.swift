import AegisEmbeddingKernels
import Foundation
import Testing

@Suite struct KernelTests {
    @Test func erfApproximationIsAccurate() {
        var worst: Float = 0
        var x: Float = -6
        while x <= 6 {
            let v = VectorMath.erf(SIMD8<Float>((0..<8).map { x + Float($0) * 0.001 }))
            for i in 0..<8 { worst = max(worst, abs(v[i] - Foundation.erf(x + Float(i) * 0.001))) }
            x += 0.0137
        }
        #expect(worst < 1e-6)
    }

    /// The blocked GEMM against a naive triple loop, for row counts around the 6-row micro-kernel,
    /// reduction lengths around the 256 K-block, and every output width the model uses.
    @Test(arguments: [(1, 16, 3), (5, 32, 256), (6, 48, 257), (7, 16, 384), (13, 64, 520), (97, 32, 40), (200, 16, 1536)])
    func packedLinearMatchesNaive(rows: Int, out: Int, k: Int) {
        var rng = SystemRandomNumberGenerator()
        let w = (0..<(out * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let b = (0..<out).map { _ in Float.random(in: -1...1, using: &rng) }
        let x = (0..<(rows * k)).map { _ in Float.random(in: -1...1, using: &rng) }
        let layer = PackedLinear(weight: w, bias: b, outFeatures: out, inFeatures: k)
        for parallelism in [1, 2] {
            var y = [Float](repeating: .nan, count: rows * out)
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    layer.apply(xp.baseAddress!, xStride: k, rows: rows, into: yp.baseAddress!, yStride: out, parallelism: parallelism)
                }
            }
            var worst: Float = 0
            for r in 0..<rows {
                for o in 0..<out {
                    var s = b[o]
                    for i in 0..<k { s += x[r * k + i] * w[o * k + i] }
                    worst = max(worst, abs(s - y[r * out + o]))
                }
            }
            #expect(worst < 1e-3, "rows \(rows) out \(out) k \(k): \(worst)")
        }
    }
}
