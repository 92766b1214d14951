import Synchronization
import Testing
@testable import AegisHTTP

final class ManualClock: Sendable {
    let t = Mutex<Double>(1000)
    func advance(_ s: Double) { t.withLock { $0 += s } }
    var now: Double { t.withLock { $0 } }
}

@Suite struct RateLimiterTests {
    @Test func exactlyLimitPassThenRetryAfter() {
        let clock = ManualClock()
        let rl = RateLimiter(limits: .init(perMinute: 5, perHour: 100), clock: { clock.now })
        for i in 0..<5 {
            #expect(rl.check(project: "p") == .allowed, "request \(i)")
            if i < 4 { clock.advance(1) }
        }
        // t = 1004: request 6 is refused; the oldest (t = 1000) leaves at 1060.
        #expect(rl.check(project: "p") == .limited(detail: "Rate limit exceeded: 5/minute", retryAfter: 57))
        // Rejections are not counted; the window frees exactly 60 s after the first request.
        clock.advance(55.999)
        if case .allowed = rl.check(project: "p") { Issue.record("allowed before the window moved") }
        clock.advance(0.001)
        #expect(rl.check(project: "p") == .allowed)
        #expect(rl.check(project: "p") == .limited(detail: "Rate limit exceeded: 5/minute", retryAfter: 2))
    }

    @Test func projectsDoNotShareBuckets() {
        let clock = ManualClock()
        let rl = RateLimiter(limits: .init(perMinute: 2, perHour: 100), clock: { clock.now })
        #expect(rl.check(project: "a") == .allowed)
        #expect(rl.check(project: "a") == .allowed)
        #expect(rl.check(project: "a") != .allowed)
        #expect(rl.check(project: "b") == .allowed)
        #expect(rl.check(project: "b") == .allowed)
    }

    @Test func hourWindow() {
        let clock = ManualClock()
        let rl = RateLimiter(limits: .init(perMinute: 10, perHour: 12), clock: { clock.now })
        for _ in 0..<10 { #expect(rl.check(project: "p") == .allowed) }
        clock.advance(60)
        #expect(rl.check(project: "p") == .allowed)
        #expect(rl.check(project: "p") == .allowed)
        guard case .limited(let detail, let retry) = rl.check(project: "p") else { Issue.record("not limited"); return }
        #expect(detail == "Rate limit exceeded: 12/hour")
        #expect(retry == 3600 - 60 + 1)
    }

    @Test func zeroDisables() {
        let rl = RateLimiter(limits: .init(perMinute: 0, perHour: 0))
        for _ in 0..<1000 { #expect(rl.check(project: "p") == .allowed) }
    }
}
