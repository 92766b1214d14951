/// How this module was compiled. `Package.swift` compiles it for AVX2+FMA (`-target-cpu haswell`)
/// when the build host has those features, unless `AEGIS_PORTABLE=1` was set at build time.
/// Callers must check `KernelBuild.requiresAVX2FMA` against the running CPU before calling any
/// kernel (AegisEmbedding does this when it loads a model), so a binary copied to an older CPU
/// fails with a clear error instead of an illegal instruction.
public enum KernelBuild {
    #if AEGIS_AVX2_FMA
    public static let requiresAVX2FMA = true
    #else
    public static let requiresAVX2FMA = false
    #endif
    /// Columns per packed weight panel; every output width must be a multiple of this.
    public static let panelWidth = 16
}

@inline(__always)
func madd(_ acc: SIMD8<Float>, _ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    #if AEGIS_AVX2_FMA
    return acc.addingProduct(a, b)   // one vfmadd: the module is compiled for a CPU with FMA
    #else
    return acc + a * b               // baseline x86-64 has no FMA; addingProduct would be a slow libcall
    #endif
}

@inline(__always)
func madd(_ acc: SIMD4<Float>, _ a: SIMD4<Float>, _ b: SIMD4<Float>) -> SIMD4<Float> {
    #if AEGIS_AVX2_FMA
    return acc.addingProduct(a, b)
    #else
    return acc + a * b
    #endif
}

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}
@inline(__always) func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}
@inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}
@inline(__always) func store4(_ p: UnsafeMutablePointer<Float>, _ v: SIMD4<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Float>.self)
}
