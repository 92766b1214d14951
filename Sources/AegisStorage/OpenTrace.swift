#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Phase timings of snapshot loading and replay, printed to stderr when the environment
/// variable `AEGIS_TRACE_OPEN` is set (for profiling `Store.open`; off by default, no cost).
/// Each line gives the wall time and the CPU time of the calling thread since the previous
/// mark (or creation); create one per thread.
public struct OpenTrace {
    public static let enabled = getenv("AEGIS_TRACE_OPEN") != nil
    private var last: (wall: Double, cpu: Double)

    public init() { last = OpenTrace.enabled ? OpenTrace.now() : (0, 0) }

    /// Prints the time since the previous mark (or creation) under `phase`.
    public mutating func mark(_ phase: @autoclosure () -> String) {
        guard OpenTrace.enabled else { return }
        let t = OpenTrace.now()
        let line = "open-trace: \(phase()): \(Int((t.wall - last.wall) * 1000)) ms wall, \(Int((t.cpu - last.cpu) * 1000)) ms thread CPU\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        last = t
    }

    private static func now() -> (wall: Double, cpu: Double) {
        var w = timespec(), c = timespec()
        clock_gettime(CLOCK_MONOTONIC, &w)
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c)
        return (Double(w.tv_sec) + Double(w.tv_nsec) / 1e9, Double(c.tv_sec) + Double(c.tv_nsec) / 1e9)
    }
}
