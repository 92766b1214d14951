import Foundation

/// The running CPU, as far as the build's code generation cares. Package.swift compiles the
/// kernel modules (AegisVector, AegisHNSW, AegisEngine, AegisEmbeddingKernels) for AVX2+FMA
/// when the build host has them (docs/configuration.md, "Build"); code from such a module must
/// not run on a CPU without them (it would die of an illegal instruction). This type is in a
/// module that is always built for baseline x86-64, so the check itself is safe to run anywhere.
public enum HostCPU {
    /// Whether this CPU has AVX2 and FMA (true on non-x86-64 and when /proc/cpuinfo is unreadable:
    /// there the build never targets them).
    public static let hasAVX2FMA: Bool = {
        #if arch(x86_64) && os(Linux)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return true }
        return hasAVX2FMA(cpuinfo: info)
        #else
        return true
        #endif
    }()

    /// Parses the first `flags` line of /proc/cpuinfo text.
    public static func hasAVX2FMA(cpuinfo: String) -> Bool {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(line.split(separator: " ").map(String.init))
        return flags.contains("avx2") && flags.contains("fma")
    }

    /// nil when code built as `builtForAVX2FMA` may run here; otherwise the error to print.
    public static func unsupported(builtForAVX2FMA: Bool, component: String, cpuHasAVX2FMA: Bool = hasAVX2FMA) -> String? {
        guard builtForAVX2FMA, !cpuHasAVX2FMA else { return nil }
        return "this binary's \(component) were built for AVX2+FMA (x86-64-v3), which this CPU lacks; rebuild with AEGIS_PORTABLE=1 swift build -c release"
    }
}
