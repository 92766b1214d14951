import AegisCore
import AegisWire
import Synchronization

/// Readiness check of the embedder for `/ready`: embeds a short probe text, at most once every
/// `interval` seconds (cached), failing when it throws or takes longer than `timeout`.
final class EmbedderProbe: Sendable {
    let embedder: (any Embedder)?
    let interval: Double
    let timeout: Duration
    private let cached = Mutex<(at: ContinuousClock.Instant, reason: String?)?>(nil)

    init(embedder: (any Embedder)?, interval: Double = 5, timeout: Duration = .seconds(3)) {
        self.embedder = embedder; self.interval = interval; self.timeout = timeout
    }

    /// nil when healthy, else the reason.
    func check() async -> String? {
        guard let embedder else { return nil }
        let h = embedder.health
        if h.state == .unavailable { return "embedder unavailable" + (h.reason.map { ": \($0)" } ?? "") }
        let now = ContinuousClock.now
        if let c = cached.withLock({ $0 }), c.at.duration(to: now) < .seconds(interval) { return c.reason }
        let timeout = self.timeout
        let reason: String? = await withTaskGroup(of: String?.self) { g in
            g.addTask {
                do {
                    let v = try await embedder.embed(["readiness probe"])
                    return v.count == 1 && v[0].count == embedder.dimension ? nil : "embedder returned a malformed vector"
                } catch let e as EmbeddingError {
                    return "embedder \(e.code.rawValue)"
                } catch {
                    return "embedder failed"
                }
            }
            g.addTask {
                try? await Task.sleep(for: timeout)
                return "embedder timed out"
            }
            let first = await g.next() ?? nil
            g.cancelAll()
            return first
        }
        cached.withLock { $0 = (now, reason) }
        return reason
    }
}
