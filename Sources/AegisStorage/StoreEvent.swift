import AegisCore

/// One change to the store; a `commit` of several is applied all-or-nothing (one log record).
/// Events carry resolved values (ids, timestamps) so replay is deterministic.
public enum StoreEvent: Sendable, Hashable {
    /// Sets the store's embedding model and dimension (normally written once by `Store.open`).
    case config(embeddingModel: String, dimension: Int)
    /// Inserts a new memory (id must be new in its project; embedding of the store's dimension;
    /// `contentHash` 64 hex digits).
    case memoryPut(Memory)
    case memoryUpdate(MemoryUpdate)
    case memoryDeprecate(MemoryDeprecation)
    /// Hard delete; the memory's vote rows go with it.
    case memoryDelete(projectId: String, id: String)
    /// Inserts a vote row and bumps the memory's counter (`updated_at = vote.createdAt`).
    case vote(Vote)
    /// Inserts a session (unique per project + session_id).
    case sessionCreate(SessionProgress)
    case sessionPatch(SessionPatch)
    /// Inserts a feature (unique per project + namespace + feature_id).
    case featureCreate(FeatureRecord)
    case featurePatch(FeaturePatch)

    public var recordType: StoreRecordType {
        switch self {
        case .config: .config
        case .memoryPut: .memoryPut
        case .memoryUpdate: .memoryUpdate
        case .memoryDeprecate: .memoryDeprecate
        case .memoryDelete: .memoryDelete
        case .vote: .vote
        case .sessionCreate: .sessionCreate
        case .sessionPatch: .sessionPatch
        case .featureCreate: .featureCreate
        case .featurePatch: .featurePatch
        }
    }
}

/// Changes to one memory. nil fields are left unchanged.
public struct MemoryUpdate: Sendable, Hashable {
    public var projectId: String
    public var id: String
    public var updatedAt: Timestamp
    /// Shallow merge: top-level keys overwrite (delta `update`, §5.2).
    public var metadataPatch: JSONObject?
    /// Replaces the whole metadata object (applied before `metadataPatch`).
    public var metadata: JSONObject?
    /// Replaces the embedding (re-embedding); must have the store's dimension.
    public var embedding: [Float]?
    /// `.some(nil)` clears the expiry; `.some(t)` sets it; nil leaves it.
    public var expiresAt: Timestamp??
    /// PATCH /memories/{id} (docs/format-storage.md, "memoryUpdate"): new content with its
    /// content hash (64 hex digits; both or neither), scope, sharing list, memory type.
    public var content: String?
    public var contentHash: String?
    public var scope: Scope?
    public var sharedWithAgents: [String]?
    public var memoryType: MemoryType?

    public init(projectId: String, id: String, updatedAt: Timestamp, metadataPatch: JSONObject? = nil,
                metadata: JSONObject? = nil, embedding: [Float]? = nil, expiresAt: Timestamp?? = nil) {
        self.projectId = projectId; self.id = id; self.updatedAt = updatedAt; self.metadataPatch = metadataPatch
        self.metadata = metadata; self.embedding = embedding; self.expiresAt = expiresAt
    }
}

/// Delta `deprecate` (§5.2): sets is_deprecated, deprecated_at = updated_at = `at`,
/// deprecated_by, superseded_by (overwritten, also with nil), and
/// `metadata.deprecation_reason` when `reason` is given.
public struct MemoryDeprecation: Sendable, Hashable {
    public var projectId: String
    public var id: String
    public var at: Timestamp
    public var deprecatedBy: String?
    public var supersededBy: String?
    public var reason: String?

    public init(projectId: String, id: String, at: Timestamp, deprecatedBy: String? = nil,
                supersededBy: String? = nil, reason: String? = nil) {
        self.projectId = projectId; self.id = id; self.at = at; self.deprecatedBy = deprecatedBy
        self.supersededBy = supersededBy; self.reason = reason
    }
}

/// Session PATCH (§5.7). nil = unchanged; for nullable columns `.some(nil)` clears.
public struct SessionPatch: Sendable, Hashable {
    public var projectId: String
    public var sessionId: String
    public var updatedAt: Timestamp
    /// Set-union with the stored items: stored order first, then new items in the given order;
    /// `completed_count` becomes the union size.
    public var completedItems: [String]?
    public var inProgressItem: String??
    public var nextItems: [String]?
    public var blockedItems: [JSONObject]?
    public var summary: String??
    public var lastAction: String??
    public var status: SessionStatus?
    public var totalItems: Int64?

    public init(projectId: String, sessionId: String, updatedAt: Timestamp, completedItems: [String]? = nil,
                inProgressItem: String?? = nil, nextItems: [String]? = nil, blockedItems: [JSONObject]? = nil,
                summary: String?? = nil, lastAction: String?? = nil, status: SessionStatus? = nil,
                totalItems: Int64? = nil) {
        self.projectId = projectId; self.sessionId = sessionId; self.updatedAt = updatedAt
        self.completedItems = completedItems; self.inProgressItem = inProgressItem; self.nextItems = nextItems
        self.blockedItems = blockedItems; self.summary = summary; self.lastAction = lastAction
        self.status = status; self.totalItems = totalItems
    }
}

/// Feature PATCH (§5.11). nil = unchanged; for nullable columns `.some(nil)` clears.
/// The engine decides `completedAt` (v1.2: `passes == true` sets it to now).
public struct FeaturePatch: Sendable, Hashable {
    public var projectId: String
    public var namespace: String
    public var featureId: String
    public var updatedAt: Timestamp
    public var status: FeatureStatus?
    public var passes: Bool?
    public var implementedBy: String??
    public var verifiedBy: String??
    public var implementationNotes: String??
    public var failureReason: String??
    public var completedAt: Timestamp??

    public init(projectId: String, namespace: String, featureId: String, updatedAt: Timestamp,
                status: FeatureStatus? = nil, passes: Bool? = nil, implementedBy: String?? = nil,
                verifiedBy: String?? = nil, implementationNotes: String?? = nil, failureReason: String?? = nil,
                completedAt: Timestamp?? = nil) {
        self.projectId = projectId; self.namespace = namespace; self.featureId = featureId
        self.updatedAt = updatedAt; self.status = status; self.passes = passes; self.implementedBy = implementedBy
        self.verifiedBy = verifiedBy; self.implementationNotes = implementationNotes
        self.failureReason = failureReason; self.completedAt = completedAt
    }
}
