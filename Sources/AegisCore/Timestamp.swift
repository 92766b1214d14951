/// A UTC instant with microsecond precision (what PostgreSQL `timestamptz` and Python
/// `datetime` hold). Stored on disk as a little-endian Int64 of microseconds since the epoch.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var microseconds: Int64
    public init(microseconds: Int64) { self.microseconds = microseconds }
    public init(seconds: Int64) { self.microseconds = seconds &* 1_000_000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.microseconds < b.microseconds }

    /// The wall clock now (CLOCK_REALTIME), microseconds.
    public static func now() -> Timestamp { Timestamp(microseconds: WallClock.nowMicroseconds()) }

    public var seconds: Int64 { microseconds.floorDiv(1_000_000) }
    /// This instant truncated to whole seconds (what `/add` uses for `expires_at`, §8.2).
    public var truncatedToSeconds: Timestamp { Timestamp(seconds: seconds) }

    public func adding(seconds: Int64) -> Timestamp { Timestamp(microseconds: microseconds &+ seconds &* 1_000_000) }
    public func adding(microseconds delta: Int64) -> Timestamp { Timestamp(microseconds: microseconds &+ delta) }

    public var description: String { iso8601() }
}

extension Int64 {
    @inlinable func floorDiv(_ d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
    @inlinable func floorMod(_ d: Int64) -> Int64 { self - floorDiv(d) * d }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum WallClock {
    static func nowMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }
}
