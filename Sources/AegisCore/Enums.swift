/// Memory visibility (§8.4). Always one of the three values; invalid input never reaches storage.
public enum Scope: String, Sendable, Hashable, CaseIterable {
    case agentPrivate = "agent-private"
    case agentShared = "agent-shared"
    case global = "global"
}

/// Vote direction (§5.1); enforced by the API.
public enum VoteKind: String, Sendable, Hashable, CaseIterable {
    case helpful, harmful
}

/// An open string vocabulary: the contract's documented values as constants, while stored
/// rows may carry other strings (v1.2 accepted any value; the engine decides what to enforce).
public protocol OpenVocabulary: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral,
    CustomStringConvertible where RawValue == String {
    init(rawValue: String)
    /// The documented values, in contract order.
    static var known: [Self] { get }
}
extension OpenVocabulary {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }
    /// True when the value is one the contract documents.
    public var isKnown: Bool { Self.known.contains(self) }
}

/// `memory_type` (§8.7): standard, reflection, progress, feature, strategy; delta add may store
/// other strings (≤ 16 chars in v1.2).
public struct MemoryType: OpenVocabulary {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let standard: MemoryType = "standard"
    public static let reflection: MemoryType = "reflection"
    public static let progress: MemoryType = "progress"
    public static let feature: MemoryType = "feature"
    public static let strategy: MemoryType = "strategy"
    public static let known: [MemoryType] = [.standard, .reflection, .progress, .feature, .strategy]
}

/// Session status (§8.7): active, paused, completed, failed (PATCH accepted any string in v1.2).
public struct SessionStatus: OpenVocabulary {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let active: SessionStatus = "active"
    public static let paused: SessionStatus = "paused"
    public static let completed: SessionStatus = "completed"
    public static let failed: SessionStatus = "failed"
    public static let known: [SessionStatus] = [.active, .paused, .completed, .failed]
}

/// Feature status (§8.7): not_started, in_progress, blocked, testing, complete, failed.
public struct FeatureStatus: OpenVocabulary {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let notStarted: FeatureStatus = "not_started"
    public static let inProgress: FeatureStatus = "in_progress"
    public static let blocked: FeatureStatus = "blocked"
    public static let testing: FeatureStatus = "testing"
    public static let complete: FeatureStatus = "complete"
    public static let failed: FeatureStatus = "failed"
    public static let known: [FeatureStatus] = [.notStarted, .inProgress, .blocked, .testing, .complete, .failed]
}
