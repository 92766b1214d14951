import AegisCore

// Eval and dashboard values (§5.14, §5.15, §6).

/// Query of `GET /memories/ace/eval/metrics` and `/eval/correlation`. `window` is the raw
/// string: anything but 24h / 7d / 30d / global → `.badRequest` "Invalid window. Use 24h,
/// 7d, 30d, or global." (both routes, §14.12).
public struct EvalRequest: Sendable, Equatable {
    public var namespace: String?
    public var agentId: String?
    public var window: String
    public init(namespace: String? = nil, agentId: String? = nil, window: String = "global") {
        self.namespace = namespace; self.agentId = agentId; self.window = window
    }
}

/// Exactly the 10 keys of §5.14, in this order.
public struct EvalMetrics: Sendable, Equatable {
    public var successRate: Double
    public var retrievalPrecision: Double
    public var pollutionRate: Double
    public var mttrSeconds: Double
    public var totalTasks: Int
    public var passingTasks: Int
    public var totalMemories: Int
    public var helpfulVotes: Int
    public var harmfulVotes: Int
    public var window: String
}

/// Exactly the 6 keys of §5.15, in this order.
public struct EvalCorrelation: Sendable, Equatable {
    public var correlationScore: Double
    public var probPassGivenHelpful: Double
    public var probPassGivenHarmful: Double
    public var sampleSize: Int
    public var helpfulCount: Int
    public var harmfulCount: Int
}

/// Query of the dashboard routes. Unlike 1.2, `namespace` and `agentId` filter (§14.11).
/// `limit`: activity default 50, sessions default 20; 0...1000 (422 otherwise).
public struct DashboardRequest: Sendable, Equatable {
    public var namespace: String
    public var agentId: String?
    public var limit: Int?
    public init(namespace: String = "default", agentId: String? = nil, limit: Int? = nil) {
        self.namespace = namespace; self.agentId = agentId; self.limit = limit
    }
}

public struct AgentCount: Sendable, Equatable {
    public var agentId: String
    public var memoryCount: Int
}

/// `GET …/dashboard/stats`: the six 1.2 keys, then what the CLI also reads (§6).
/// Expired memories are not counted; deprecated ones are.
public struct DashboardStats: Sendable, Equatable {
    public var totalMemories: Int
    public var totalReflections: Int
    public var totalStrategies: Int
    public var totalFeatures: Int
    public var recentActivityCount: Int
    public var topAgents: [AgentCount]
    // Extensions (read by `aegis stats`):
    /// Counts per memory type, in §8.7 order: standard, reflection, progress, feature, strategy.
    public var byType: [(type: String, count: Int)]
    public var activeSessions: Int
    public var featuresTotal: Int
    public var featuresPassing: Int
    public var featuresFailing: Int
    public var featuresInProgress: Int
    public var helpfulVotes: Int
    public var harmfulVotes: Int
    public var successRate: Double
    public var retrievalPrecision: Double

    public static func == (a: DashboardStats, b: DashboardStats) -> Bool {
        a.totalMemories == b.totalMemories && a.totalReflections == b.totalReflections
            && a.totalStrategies == b.totalStrategies && a.totalFeatures == b.totalFeatures
            && a.recentActivityCount == b.recentActivityCount && a.topAgents == b.topAgents
            && a.byType.map { $0.type } == b.byType.map { $0.type } && a.byType.map { $0.count } == b.byType.map { $0.count }
            && a.activeSessions == b.activeSessions && a.featuresTotal == b.featuresTotal
            && a.featuresPassing == b.featuresPassing && a.featuresFailing == b.featuresFailing
            && a.featuresInProgress == b.featuresInProgress && a.helpfulVotes == b.helpfulVotes
            && a.harmfulVotes == b.harmfulVotes && a.successRate == b.successRate
            && a.retrievalPrecision == b.retrievalPrecision
    }
}

/// One `GET …/dashboard/activity` item, wire order.
public struct ActivityItem: Sendable, Equatable {
    public var id: String
    public var memoryType: String
    public var contentPreview: String
    public var agentId: String?
    public var effectivenessScore: Double
    public var bulletHelpful: Int
    public var bulletHarmful: Int
    public var createdAt: Timestamp
    public var errorPattern: String?
}

public struct DashboardActivity: Sendable, Equatable {
    public var items: [ActivityItem]
}

/// One `GET …/dashboard/sessions` row: the 1.2 table row minus `project_id` (§14.11), plus
/// `progress_percent`. Timestamps are rendered `+00:00` by the HTTP layer as in 1.2.
public struct DashboardSessionRow: Sendable, Equatable {
    public var id: String
    public var sessionId: String
    public var agentId: String?
    public var userId: String?
    public var namespace: String
    public var completedItems: [String]
    public var inProgressItem: String?
    public var nextItems: [String]
    public var blockedItems: [JSONObject]
    public var status: String
    public var summary: String?
    public var lastAction: String?
    public var totalItems: Int
    public var completedCount: Int
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var progressPercent: Double
}

public struct DashboardSessions: Sendable, Equatable {
    public var sessions: [DashboardSessionRow]
}
