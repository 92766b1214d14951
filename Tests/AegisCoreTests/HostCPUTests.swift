import Testing
import AegisCore

/// The start-up check of host-CPU builds (docs/configuration.md, "Build").
@Suite struct HostCPUTests {
    @Test func parsesCPUInfoFlags() {
        let haswell = "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma bmi2\nprocessor\t: 1\n"
        let old = "processor\t: 0\nflags\t\t: fpu sse2 sse4_2 avx\n"
        #expect(HostCPU.hasAVX2FMA(cpuinfo: haswell))
        #expect(!HostCPU.hasAVX2FMA(cpuinfo: old))
        #expect(!HostCPU.hasAVX2FMA(cpuinfo: "flags\t: avx2\n"))      // FMA missing
        #expect(!HostCPU.hasAVX2FMA(cpuinfo: "no flags line at all"))
    }

    @Test func refusesOnlyAnAVX2BuildOnACPUWithout() {
        #expect(HostCPU.unsupported(builtForAVX2FMA: false, component: "k", cpuHasAVX2FMA: false) == nil)
        #expect(HostCPU.unsupported(builtForAVX2FMA: true, component: "k", cpuHasAVX2FMA: true) == nil)
        let message = HostCPU.unsupported(builtForAVX2FMA: true, component: "vector kernels", cpuHasAVX2FMA: false)
        #expect(message?.contains("vector kernels were built for AVX2+FMA") == true)
        #expect(message?.contains("AEGIS_PORTABLE=1") == true)
    }
}
