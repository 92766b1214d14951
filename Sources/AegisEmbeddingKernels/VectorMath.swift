import Foundation

/// LayerNorm parameters (`gamma`, `beta`, epsilon) for one width.
public struct LayerNormParameters: Sendable {
    public let gamma: [Float]
    public let beta: [Float]
    public let epsilon: Float
    public init(gamma: [Float], beta: [Float], epsilon: Float) {
        precondition(gamma.count == beta.count && gamma.count % 8 == 0)
        self.gamma = gamma; self.beta = beta; self.epsilon = epsilon
    }

    /// `x = LayerNorm(x + residual)` for one row of `gamma.count` values (`residual` may be nil).
    @inline(__always)
    func apply(_ x: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?) {
        let n = gamma.count
        var sum = SIMD8<Float>()
        var i = 0
        if let r = residual {
            while i < n { let v = load8(x + i) + load8(r + i); store8(x + i, v); sum += v; i += 8 }
        } else {
            while i < n { sum += load8(x + i); i += 8 }
        }
        let mean = sum.sum() / Float(n)
        let m = SIMD8<Float>(repeating: mean)
        var sq = SIMD8<Float>()
        i = 0
        while i < n { let d = load8(x + i) - m; sq = madd(sq, d, d); i += 8 }
        let inv = 1 / (sq.sum() / Float(n) + epsilon).squareRoot()
        let s = SIMD8<Float>(repeating: inv)
        gamma.withUnsafeBufferPointer { g in
            beta.withUnsafeBufferPointer { b in
                var j = 0
                while j < n {
                    let v = (load8(x + j) - m) * s
                    store8(x + j, madd(load8(b.baseAddress! + j), v, load8(g.baseAddress! + j)))
                    j += 8
                }
            }
        }
    }
}

public enum VectorMath {
    /// erf(x) for 8 lanes: the rational approximation used by Eigen/XLA for float
    /// (clamped to [-4, 4], where erf is ±1 in single precision); max error ≈ 1e-7.
    @inline(__always)
    public static func erf(_ v: SIMD8<Float>) -> SIMD8<Float> {
        var x = v.replacing(with: SIMD8(repeating: 4), where: v .> 4)
        x = x.replacing(with: SIMD8(repeating: -4), where: x .< -4)
        let x2 = x * x
        var p = madd(SIMD8(repeating: 2.77068142495902e-08), x2, SIMD8(repeating: -2.72614225801306e-10))
        p = madd(SIMD8(repeating: -2.10102402082508e-06), x2, p)
        p = madd(SIMD8(repeating: -5.69250639462346e-05), x2, p)
        p = madd(SIMD8(repeating: -7.34990630326855e-04), x2, p)
        p = madd(SIMD8(repeating: -2.95459980854025e-03), x2, p)
        p = madd(SIMD8(repeating: -1.60960333262415e-02), x2, p)
        p = p * x
        var q = madd(SIMD8(repeating: -2.13374055278905e-04), x2, SIMD8(repeating: -1.45660718464996e-05))
        q = madd(SIMD8(repeating: -1.68282697438203e-03), x2, q)
        q = madd(SIMD8(repeating: -7.37332916720468e-03), x2, q)
        q = madd(SIMD8(repeating: -1.42647390514189e-02), x2, q)
        return p / q
    }

    /// In place: `x = x · ½(1 + erf(x/√2))` (exact GELU, as BERT's `hidden_act: gelu`). `count % 8 == 0`.
    public static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let half = SIMD8<Float>(repeating: 0.5), invSqrt2 = SIMD8<Float>(repeating: 0.70710678118654752)
        var i = 0
        while i < count {
            let v = load8(x + i)
            store8(x + i, v * half * (1 + erf(v * invSqrt2)))
            i += 8
        }
    }

    /// In place softmax over `count` values.
    public static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var m = -Float.infinity
        for i in 0..<count { m = Swift.max(m, x[i]) }
        var s: Float = 0
        for i in 0..<count { let e = Foundation.exp(x[i] - m); x[i] = e; s += e }
        let inv = 1 / s
        for i in 0..<count { x[i] *= inv }
    }

    /// Dot product of two vectors of `count` floats (`count % 8 == 0`).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        while i < count { acc = madd(acc, load8(a + i), load8(b + i)); i += 8 }
        return acc.sum()
    }
}
