/// One `session_progress` row (§10.3, ORM columns incl. `completed_count`), unique per
/// (project, session_id).
public struct SessionProgress: Sendable, Hashable {
    public var id: String
    public var projectId: String
    public var sessionId: String
    public var agentId: String?
    public var userId: String?
    public var namespace: String
    public var completedItems: [String]
    public var inProgressItem: String?
    public var nextItems: [String]
    /// Objects with string values (e.g. `{"item": "x", "reason": "y"}`), order kept.
    public var blockedItems: [JSONObject]
    public var status: SessionStatus
    public var summary: String?
    public var lastAction: String?
    public var totalItems: Int64
    public var completedCount: Int64
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    public init(id: String, projectId: String, sessionId: String, agentId: String? = nil, userId: String? = nil,
                namespace: String = "default", completedItems: [String] = [], inProgressItem: String? = nil,
                nextItems: [String] = [], blockedItems: [JSONObject] = [], status: SessionStatus = .active,
                summary: String? = nil, lastAction: String? = nil, totalItems: Int64 = 0,
                completedCount: Int64 = 0, createdAt: Timestamp, updatedAt: Timestamp? = nil) {
        self.id = id; self.projectId = projectId; self.sessionId = sessionId; self.agentId = agentId
        self.userId = userId; self.namespace = namespace; self.completedItems = completedItems
        self.inProgressItem = inProgressItem; self.nextItems = nextItems; self.blockedItems = blockedItems
        self.status = status; self.summary = summary; self.lastAction = lastAction; self.totalItems = totalItems
        self.completedCount = completedCount; self.createdAt = createdAt; self.updatedAt = updatedAt ?? createdAt
    }

    /// §5.8 `total_items`: stored value, or the completed count when the stored value is 0.
    public var effectiveTotalItems: Int64 { totalItems == 0 ? Int64(completedItems.count) : totalItems }

    /// §5.8 `progress_percent`: round(completed/total*100, 1) when total > 0, else 0.
    public var progressPercent: Double {
        let total = effectiveTotalItems
        guard total > 0 else { return 0 }
        let raw = Double(completedItems.count) / Double(total) * 100
        return (raw * 10).rounded(.toNearestOrEven) / 10
    }
}

/// One `feature_tracker` row (§10.3, ORM columns incl. `completed_at`), unique per
/// (project, namespace, feature_id).
public struct FeatureRecord: Sendable, Hashable {
    public var id: String
    public var projectId: String
    public var sessionId: String?
    public var namespace: String
    public var featureId: String
    public var category: String?
    public var description: String
    public var testSteps: [String]
    public var status: FeatureStatus
    public var passes: Bool
    public var implementedBy: String?
    public var verifiedBy: String?
    public var implementationNotes: String?
    public var failureReason: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    public var completedAt: Timestamp?

    public init(id: String, projectId: String, sessionId: String? = nil, namespace: String = "default",
                featureId: String, category: String? = nil, description: String, testSteps: [String] = [],
                status: FeatureStatus = .notStarted, passes: Bool = false, implementedBy: String? = nil,
                verifiedBy: String? = nil, implementationNotes: String? = nil, failureReason: String? = nil,
                createdAt: Timestamp, updatedAt: Timestamp? = nil, completedAt: Timestamp? = nil) {
        self.id = id; self.projectId = projectId; self.sessionId = sessionId; self.namespace = namespace
        self.featureId = featureId; self.category = category; self.description = description
        self.testSteps = testSteps; self.status = status; self.passes = passes
        self.implementedBy = implementedBy; self.verifiedBy = verifiedBy
        self.implementationNotes = implementationNotes; self.failureReason = failureReason
        self.createdAt = createdAt; self.updatedAt = updatedAt ?? createdAt; self.completedAt = completedAt
    }
}
