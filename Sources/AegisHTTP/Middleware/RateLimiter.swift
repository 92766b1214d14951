import Synchronization

/// Per-project sliding-window rate limiter (docs/api.md, "Order of checks"; docs/configuration.md).
///
/// Two windows, 60 s and 3600 s, each holding the times of *accepted* requests. A request is
/// rejected when the number of accepted requests still inside a window is ≥ its limit
/// (minute checked first); rejected requests are not counted. So exactly `limit` requests
/// pass in any window and request `limit + 1` gets 429. A request accepted at time t leaves
/// the window at t + window (it no longer counts at exactly t + window).
public final class RateLimiter: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Requests per 60 s; ≤ 0 disables the window.
        public var perMinute: Int
        /// Requests per 3600 s; ≤ 0 disables the window.
        public var perHour: Int
        public init(perMinute: Int = 60, perHour: Int = 1000) { self.perMinute = perMinute; self.perHour = perHour }
    }

    public enum Decision: Sendable, Equatable {
        case allowed
        /// `detail` text and whole seconds for `Retry-After`.
        case limited(detail: String, retryAfter: Int)
    }

    /// A ring of timestamps (seconds, monotonic) per window.
    struct Window: Sendable {
        var times: [Double] = []
        var head = 0
        var count: Int { times.count - head }
        mutating func evict(before cutoff: Double) {
            while head < times.count, times[head] <= cutoff { head += 1 }
            if head > 1024, head * 2 > times.count { times.removeFirst(head); head = 0 }
        }
        var oldest: Double? { head < times.count ? times[head] : nil }
    }
    struct Bucket: Sendable { var minute = Window(); var hour = Window() }

    public let limits: Limits
    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock: @Sendable () -> Double

    /// `clock` returns seconds on a monotonic scale (tests inject a manual clock).
    public init(limits: Limits, clock: @escaping @Sendable () -> Double = RateLimiter.monotonicSeconds) {
        self.limits = limits
        self.clock = clock
    }

    private static let epoch = ContinuousClock.now
    /// Seconds since process start on the monotonic clock.
    public static let monotonicSeconds: @Sendable () -> Double = {
        let d = epoch.duration(to: .now)
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    public func check(project: String) -> Decision {
        let t = clock()
        // The bucket is mutated in place inside the dictionary (a copy would make every append
        // copy the whole window: O(requests in the last hour) per request).
        return buckets.withLock { all -> Decision in check(&all[project, default: Bucket()], at: t) }
    }

    private func check(_ b: inout Bucket, at t: Double) -> Decision {
        if limits.perMinute > 0 {
            b.minute.evict(before: t - 60)
            if b.minute.count >= limits.perMinute {
                return .limited(detail: "Rate limit exceeded: \(limits.perMinute)/minute",
                                retryAfter: RateLimiter.retryAfter(oldest: b.minute.oldest ?? t, window: 60, now: t))
            }
        }
        if limits.perHour > 0 {
            b.hour.evict(before: t - 3600)
            if b.hour.count >= limits.perHour {
                return .limited(detail: "Rate limit exceeded: \(limits.perHour)/hour",
                                retryAfter: RateLimiter.retryAfter(oldest: b.hour.oldest ?? t, window: 3600, now: t))
            }
        }
        if limits.perMinute > 0 { b.minute.times.append(t) }
        if limits.perHour > 0 { b.hour.times.append(t) }
        return .allowed
    }

    /// Whole seconds until the oldest counted request leaves the window, plus 1, minimum 1.
    static func retryAfter(oldest: Double, window: Double, now: Double) -> Int {
        max(1, Int(oldest + window - now) + 1)
    }
}
