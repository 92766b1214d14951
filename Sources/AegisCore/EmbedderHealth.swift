/// What an embedder reports about its backend (read by the server's `/ready` and `/health`).
public struct EmbedderHealth: Sendable, Equatable, CustomStringConvertible {
    public enum State: String, Sendable {
        /// Working (or not yet used).
        case ready
        /// Working with trouble: recent calls were rate limited or needed retries.
        case degraded
        /// The last attempt failed after all retries; `reason` says why.
        case unavailable
    }
    public var state: State
    public var reason: String?
    public init(_ state: State, reason: String? = nil) { self.state = state; self.reason = reason }
    public static let ready = EmbedderHealth(.ready)
    public var description: String { reason.map { "\(state.rawValue): \($0)" } ?? state.rawValue }
}

extension Embedder {
    /// Local embedders are always ready once constructed.
    public var health: EmbedderHealth { .ready }
}
