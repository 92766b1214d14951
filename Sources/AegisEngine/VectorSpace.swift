import AegisCore
import AegisStorage
import AegisVector

/// One search hit.
struct Hit: Sendable {
    var slot: Int
    var id: String
    var score: Float
}

@inline(__always)
func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    VectorKernels.dot(a, b, n)
}
