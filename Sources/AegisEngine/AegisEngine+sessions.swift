import AegisCore

extension AegisEngine {
    /// `POST /memories/ace/session` (§5.5): duplicate `session_id` in the project → 409.
    public func createSession(project: String, _ request: CreateSessionRequest, boundAgent: String? = nil) async throws -> SessionOut {
        try await operation {
            var v = Validator(.key("body"))
            v.string(request.sessionId, [.key("session_id")], min: 1, max: 64)
            v.string(request.agentId, [.key("agent_id")], max: 64)
            v.string(request.userId, [.key("user_id")], max: 64)
            v.string(request.namespace, [.key("namespace")], max: 64)
            try v.check()
            try checkBound(boundAgent, request.agentId, field: "agent_id")
            return try await writeLocks.withLock(project) {
                if backend.read({ $0.session(projectId: project, sessionId: request.sessionId) }) != nil {
                    throw EngineError(.conflict, "Session already exists")
                }
                let now = self.now()
                let s = SessionProgress(id: Identifier.randomHex(), projectId: project, sessionId: request.sessionId,
                                        agentId: request.agentId ?? boundAgent, userId: request.userId,
                                        namespace: request.namespace, createdAt: now, updatedAt: now)
                try await commit([.sessionCreate(s)])
                return SessionRules.out(s)
            }
        }
    }

    /// `GET /memories/ace/session/{id}` (§5.6).
    public func getSession(project: String, sessionId: String) async throws -> SessionOut {
        try await operation {
            guard let s = backend.read({ $0.session(projectId: project, sessionId: sessionId) }) else { throw EngineError.sessionNotFound }
            return SessionRules.out(s)
        }
    }

    /// `PATCH /memories/ace/session/{id}` (§5.7 with §14.19 fixed; see `PatchSessionRequest`).
    public func patchSession(project: String, sessionId: String, _ request: PatchSessionRequest) async throws -> SessionOut {
        try await operation {
            try SessionRules.validate(request)
            return try await writeLocks.withLock(project) {
                guard var s = backend.read({ $0.session(projectId: project, sessionId: sessionId) }) else { throw EngineError.sessionNotFound }
                SessionRules.apply(request, to: &s, now: now())
                try await commit([.sessionPatch(SessionRules.patch(to: s))])
                return SessionRules.out(s)
            }
        }
    }

    /// `POST /memories/ace/feature` (§5.9): duplicate (namespace, feature_id) → 409.
    public func createFeature(project: String, _ request: CreateFeatureRequest) async throws -> FeatureOut {
        try await operation {
            var v = Validator(.key("body"))
            v.string(request.featureId, [.key("feature_id")], min: 1, max: 128)
            v.string(request.description, [.key("description")], min: 1, max: 10_000)
            v.string(request.sessionId, [.key("session_id")], max: 64)
            v.string(request.namespace, [.key("namespace")], max: 64)
            v.string(request.category, [.key("category")], max: 64)
            try v.check()
            return try await writeLocks.withLock(project) {
                if backend.read({ $0.feature(projectId: project, namespace: request.namespace, featureId: request.featureId) }) != nil {
                    throw EngineError(.conflict, "Feature already exists")
                }
                let now = self.now()
                let f = FeatureRecord(id: Identifier.randomHex(), projectId: project, sessionId: request.sessionId,
                                      namespace: request.namespace, featureId: request.featureId, category: request.category,
                                      description: request.description, testSteps: request.testSteps ?? [],
                                      createdAt: now, updatedAt: now)
                try await commit([.featureCreate(f)])
                return FeatureRules.out(f)
            }
        }
    }

    /// `GET /memories/ace/feature/{id}?namespace=` (§5.10).
    public func getFeature(project: String, featureId: String, namespace: String = "default") async throws -> FeatureOut {
        try await operation {
            guard let f = backend.read({ $0.feature(projectId: project, namespace: namespace, featureId: featureId) }) else {
                throw EngineError.featureNotFound
            }
            return FeatureRules.out(f)
        }
    }

    /// `PATCH /memories/ace/feature/{id}?namespace=` (§5.11 with §14.20 fixed).
    public func patchFeature(project: String, featureId: String, namespace: String = "default",
                             _ request: PatchFeatureRequest) async throws -> FeatureOut {
        try await operation {
            try FeatureRules.validate(request)
            return try await writeLocks.withLock(project) {
                guard var f = backend.read({ $0.feature(projectId: project, namespace: namespace, featureId: featureId) }) else {
                    throw EngineError.featureNotFound
                }
                FeatureRules.apply(request, to: &f, now: now())
                try await commit([.featurePatch(FeatureRules.patch(to: f))])
                return FeatureRules.out(f)
            }
        }
    }

    /// `GET /memories/ace/features` (§5.12): ordered by creation; counts over the filtered list.
    public func listFeatures(project: String, _ request: ListFeaturesRequest) async throws -> FeatureListResponse {
        try await operation {
            let list = backend.read { view -> [FeatureRecord] in
                var out: [FeatureRecord] = []
                view.forEachFeature(projectId: project) { f in
                    if f.namespace == request.namespace,
                       request.sessionId.map({ f.sessionId == $0 }) ?? true,
                       request.status.map({ f.status.rawValue == $0 }) ?? true { out.append(f) }
                    return true
                }
                return out   // the tables keep creation order
            }
            return FeatureRules.list(list)
        }
    }
}
