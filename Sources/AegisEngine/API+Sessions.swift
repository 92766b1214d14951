import AegisCore

// Session progress and feature tracker values (§5.5–§5.13).

/// Body of `POST /memories/ace/session`.
public struct CreateSessionRequest: Sendable, Equatable {
    public var sessionId: String
    public var agentId: String?
    public var userId: String?
    public var namespace: String
    public init(sessionId: String, agentId: String? = nil, userId: String? = nil, namespace: String = "default") {
        self.sessionId = sessionId; self.agentId = agentId; self.userId = userId; self.namespace = namespace
    }
}

/// Body of `PATCH /memories/ace/session/{id}`; nil = unchanged.
/// - `completedItems` are appended in order, skipping items already completed (ordered union,
///   §14.19); completing the current `in_progress_item` clears it.
/// - `inProgressItem: ""` clears the in-progress item (stored as null).
/// - `status` must be one of active / paused / completed / failed; `totalItems` ≥ 0.
public struct PatchSessionRequest: Sendable, Equatable {
    public var completedItems: [String]?
    public var inProgressItem: String?
    public var nextItems: [String]?
    public var blockedItems: [JSONObject]?
    public var summary: String?
    public var lastAction: String?
    public var status: String?
    public var totalItems: Int?
    public init(completedItems: [String]? = nil, inProgressItem: String? = nil, nextItems: [String]? = nil,
                blockedItems: [JSONObject]? = nil, summary: String? = nil, lastAction: String? = nil,
                status: String? = nil, totalItems: Int? = nil) {
        self.completedItems = completedItems; self.inProgressItem = inProgressItem; self.nextItems = nextItems
        self.blockedItems = blockedItems; self.summary = summary; self.lastAction = lastAction
        self.status = status; self.totalItems = totalItems
    }
}

/// `SessionProgress` (§5.8), 1.2 fields in order, then extensions (§14.13).
/// `totalItems` = max(stored total, completed count), so `progressPercent` ≤ 100.
public struct SessionOut: Sendable, Equatable {
    public var id: String
    public var sessionId: String
    public var status: String
    public var completedCount: Int
    public var totalItems: Int
    public var progressPercent: Double
    public var completedItems: [String]
    public var inProgressItem: String?
    public var nextItems: [String]
    public var blockedItems: [JSONObject]
    public var summary: String?
    public var lastAction: String?
    public var updatedAt: Timestamp
    // Extensions beyond 1.2:
    public var agentId: String?
    public var userId: String?
    public var namespace: String
    public var createdAt: Timestamp
    /// The stored `total_items` as the client set it (0 = not set).
    public var storedTotalItems: Int
}

/// Body of `POST /memories/ace/feature`.
public struct CreateFeatureRequest: Sendable, Equatable {
    public var featureId: String
    public var description: String
    public var sessionId: String?
    public var namespace: String
    public var category: String?
    public var testSteps: [String]?
    public init(featureId: String, description: String, sessionId: String? = nil, namespace: String = "default",
                category: String? = nil, testSteps: [String]? = nil) {
        self.featureId = featureId; self.description = description; self.sessionId = sessionId
        self.namespace = namespace; self.category = category; self.testSteps = testSteps
    }
}

/// Body of `PATCH /memories/ace/feature/{id}?namespace=`; nil = unchanged.
/// Invariant kept by the engine: `passes == (status == "complete")`. Setting only `passes`
/// moves status to complete/failed; setting only `status` sets passes; a contradictory pair
/// is a 422. `completed_at` is set when the feature starts passing and cleared when it stops.
public struct PatchFeatureRequest: Sendable, Equatable {
    public var status: String?
    public var passes: Bool?
    public var implementedBy: String?
    public var verifiedBy: String?
    public var implementationNotes: String?
    public var failureReason: String?
    public init(status: String? = nil, passes: Bool? = nil, implementedBy: String? = nil, verifiedBy: String? = nil,
                implementationNotes: String? = nil, failureReason: String? = nil) {
        self.status = status; self.passes = passes; self.implementedBy = implementedBy; self.verifiedBy = verifiedBy
        self.implementationNotes = implementationNotes; self.failureReason = failureReason
    }
}

/// `Feature` (§5.13), 1.2 fields in order, then extensions.
public struct FeatureOut: Sendable, Equatable {
    public var id: String
    public var featureId: String
    public var description: String
    public var category: String?
    public var status: String
    public var passes: Bool
    public var testSteps: [String]
    public var implementedBy: String?
    public var verifiedBy: String?
    public var updatedAt: Timestamp
    // Extensions beyond 1.2:
    public var sessionId: String?
    public var namespace: String
    public var implementationNotes: String?
    public var failureReason: String?
    public var createdAt: Timestamp
    public var completedAt: Timestamp?
}

/// Query of `GET /memories/ace/features`.
public struct ListFeaturesRequest: Sendable, Equatable {
    public var namespace: String
    public var sessionId: String?
    public var status: String?
    public init(namespace: String = "default", sessionId: String? = nil, status: String? = nil) {
        self.namespace = namespace; self.sessionId = sessionId; self.status = status
    }
}

/// `{"features", "total", "passing", "failing", "in_progress"}`.
public struct FeatureListResponse: Sendable, Equatable {
    public var features: [FeatureOut]
    public var total: Int
    public var passing: Int
    public var failing: Int
    public var inProgress: Int
}
