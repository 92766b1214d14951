import AegisCore

extension AegisEngine {
    static let windowMessage = "Invalid window. Use 24h, 7d, 30d, or global."

    /// Window start for 24h / 7d / 30d; nil for global; throws 400 otherwise.
    func windowStart(_ window: String, now: Timestamp) throws -> Timestamp? {
        switch window {
        case "24h": return now.adding(seconds: -86_400)
        case "7d": return now.adding(seconds: -7 * 86_400)
        case "30d": return now.adding(seconds: -30 * 86_400)
        case "global": return nil
        default: throw EngineError(.badRequest, Self.windowMessage)
        }
    }

    /// Features attributed to `agent`: implemented or verified by it, or in a session it owns.
    func featureMatchesAgent(_ f: FeatureRecord, agent: String?, sessionAgents: [String: String?]) -> Bool {
        guard let agent else { return true }
        if f.implementedBy == agent || f.verifiedBy == agent { return true }
        if let sid = f.sessionId, let owner = sessionAgents[sid], owner == agent { return true }
        return false
    }

    /// `GET /memories/ace/eval/metrics` (§5.14): exactly the 10 keys. Expired memories are not
    /// counted (§14.5); `agent_id` also scopes features (§14.12, see `featureMatchesAgent`).
    public func evalMetrics(project: String, _ request: EvalRequest) async throws -> EvalMetrics {
        try await operation {
            let now = self.now()
            let start = try windowStart(request.window, now: now)
            let ns = (request.namespace?.isEmpty ?? true) ? nil : request.namespace
            let agent = (request.agentId?.isEmpty ?? true) ? nil : request.agentId
            return backend.read { view in
                var sessionAgents: [String: String?] = [:]
                view.forEachSession(projectId: project) { sessionAgents[$0.sessionId] = $0.agentId; return true }
                var total = 0, passing = 0, mttrSum = 0.0, mttrN = 0
                view.forEachFeature(projectId: project) { f in
                    guard ns.map({ f.namespace == $0 }) ?? true, start.map({ f.createdAt >= $0 }) ?? true,
                          featureMatchesAgent(f, agent: agent, sessionAgents: sessionAgents) else { return true }
                    total += 1
                    if f.passes { passing += 1 }
                    if let c = f.completedAt {
                        mttrSum += Double(c.microseconds - f.createdAt.microseconds) / 1e6; mttrN += 1
                    }
                    return true
                }
                var memories = 0, polluted = 0
                var helpful: Int64 = 0, harmful: Int64 = 0
                view.forEachMemory(projectId: project) { m in
                    guard ns.map({ m.namespace == $0 }) ?? true, agent.map({ m.agentId == $0 }) ?? true,
                          start.map({ m.createdAt >= $0 }) ?? true, !m.isExpired(at: now) else { return true }
                    memories += 1
                    helpful += m.bulletHelpful; harmful += m.bulletHarmful
                    if m.bulletHarmful > 0 { polluted += 1 }
                    return true
                }
                return EvalMetrics(
                    successRate: total == 0 ? 0 : pythonRound(Double(passing) / Double(total), digits: 4),
                    retrievalPrecision: pythonRound(Double(helpful) / Double(helpful + harmful + 1), digits: 4),
                    pollutionRate: memories == 0 ? 0 : pythonRound(Double(polluted) / Double(memories), digits: 4),
                    mttrSeconds: mttrN == 0 ? 0 : pythonRound(mttrSum / Double(mttrN), digits: 2),
                    totalTasks: total, passingTasks: passing, totalMemories: memories,
                    helpfulVotes: Int(helpful), harmfulVotes: Int(harmful), window: request.window)
            }
        }
    }

    /// `GET /memories/ace/eval/correlation` (§5.15): exactly the 6 keys. Votes joined to
    /// features by `task_id == feature_id`; `agent_id` filters the voter and an invalid window
    /// is a 400 like metrics (§14.12).
    public func evalCorrelation(project: String, _ request: EvalRequest) async throws -> EvalCorrelation {
        try await operation {
            let now = self.now()
            let start = try windowStart(request.window, now: now)
            let ns = (request.namespace?.isEmpty ?? true) ? nil : request.namespace
            let agent = (request.agentId?.isEmpty ?? true) ? nil : request.agentId
            return backend.read { view in
                var passesByFeatureId: [String: [Bool]] = [:]
                view.forEachFeature(projectId: project) { f in
                    if ns.map({ f.namespace == $0 }) ?? true { passesByFeatureId[f.featureId, default: []].append(f.passes) }
                    return true
                }
                var helpful = 0, harmful = 0, helpfulPass = 0, harmfulPass = 0
                view.forEachVote(projectId: project) { vote in
                    guard let task = vote.taskId, let rows = passesByFeatureId[task],
                          start.map({ vote.createdAt >= $0 }) ?? true, agent.map({ vote.voterAgentId == $0 }) ?? true else { return true }
                    for passes in rows {
                        if vote.vote == .helpful { helpful += 1; if passes { helpfulPass += 1 } }
                        else { harmful += 1; if passes { harmfulPass += 1 } }
                    }
                    return true
                }
                let ph = helpful == 0 ? 0 : Double(helpfulPass) / Double(helpful)
                let pm = harmful == 0 ? 0 : Double(harmfulPass) / Double(harmful)
                return EvalCorrelation(correlationScore: pythonRound(ph - pm, digits: 4),
                                       probPassGivenHelpful: pythonRound(ph, digits: 4),
                                       probPassGivenHarmful: pythonRound(pm, digits: 4),
                                       sampleSize: helpful + harmful, helpfulCount: helpful, harmfulCount: harmful)
            }
        }
    }

    func dashboardLimit(_ limit: Int?, default d: Int) throws -> Int {
        var v = Validator(.key("query"))
        v.int(limit, [.key("limit")], min: 0, max: 1000)
        try v.check()
        return limit ?? d
    }

    /// `GET /memories/ace/dashboard/stats` (§6 with §14.11 fixed): namespace and agent filters
    /// honoured, expired memories not counted.
    public func dashboardStats(project: String, _ request: DashboardRequest) async throws -> DashboardStats {
        try await operation {
            let now = self.now()
            let dayAgo = now.adding(seconds: -86_400)
            let agent = (request.agentId?.isEmpty ?? true) ? nil : request.agentId
            return backend.read { view in
                var total = 0, recent = 0, helpful: Int64 = 0, harmful: Int64 = 0
                var byType: [String: Int] = [:]
                var byAgent: [String: Int] = [:]
                view.forEachMemory(projectId: project) { m in
                    guard m.namespace == request.namespace, agent.map({ m.agentId == $0 }) ?? true, !m.isExpired(at: now) else { return true }
                    total += 1
                    byType[m.memoryType.rawValue, default: 0] += 1
                    if let a = m.agentId { byAgent[a, default: 0] += 1 }
                    if m.createdAt >= dayAgo { recent += 1 }
                    helpful += m.bulletHelpful; harmful += m.bulletHarmful
                    return true
                }
                var sessionAgents: [String: String?] = [:]
                var active = 0
                view.forEachSession(projectId: project) { s in
                    sessionAgents[s.sessionId] = s.agentId
                    if s.namespace == request.namespace, agent.map({ s.agentId == $0 }) ?? true, s.status == .active { active += 1 }
                    return true
                }
                var features: [FeatureRecord] = []
                view.forEachFeature(projectId: project) { f in
                    if f.namespace == request.namespace, featureMatchesAgent(f, agent: agent, sessionAgents: sessionAgents) { features.append(f) }
                    return true
                }
                let fl = FeatureRules.list(features)
                let top = byAgent.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(5)
                    .map { AgentCount(agentId: $0.key, memoryCount: $0.value) }
                return DashboardStats(
                    totalMemories: total, totalReflections: byType["reflection"] ?? 0, totalStrategies: byType["strategy"] ?? 0,
                    totalFeatures: fl.total, recentActivityCount: recent, topAgents: Array(top),
                    byType: MemoryType.known.map { (type: $0.rawValue, count: byType[$0.rawValue] ?? 0) },
                    activeSessions: active, featuresTotal: fl.total, featuresPassing: fl.passing, featuresFailing: fl.failing,
                    featuresInProgress: fl.inProgress, helpfulVotes: Int(helpful), harmfulVotes: Int(harmful),
                    successRate: fl.total == 0 ? 0 : pythonRound(Double(fl.passing) / Double(fl.total), digits: 4),
                    retrievalPrecision: pythonRound(Double(helpful) / Double(helpful + harmful + 1), digits: 4))
            }
        }
    }

    /// `GET /memories/ace/dashboard/activity`: newest first; limit 0...1000 (default 50).
    public func dashboardActivity(project: String, _ request: DashboardRequest) async throws -> DashboardActivity {
        try await operation {
            let limit = try dashboardLimit(request.limit, default: 50)
            let agent = (request.agentId?.isEmpty ?? true) ? nil : request.agentId
            let filter = MemoryFilter(reader: .unrestricted, namespace: request.namespace, owners: agent.map { [$0] },
                                      notExpiredAt: now(), excludeDeprecated: false)
            let items = newest(project: project, filter: filter, limit: limit).map { m in
                let scalars = m.content.unicodeScalars
                let preview = scalars.count > 200
                    ? String(String.UnicodeScalarView(scalars.prefix(200))) + "..." : m.content
                return ActivityItem(id: m.id, memoryType: m.memoryType.rawValue, contentPreview: preview, agentId: m.agentId,
                                    effectivenessScore: m.effectivenessScore, bulletHelpful: Int(m.bulletHelpful),
                                    bulletHarmful: Int(m.bulletHarmful), createdAt: m.createdAt, errorPattern: m.errorPattern)
            }
            return DashboardActivity(items: items)
        }
    }

    /// `GET /memories/ace/dashboard/sessions`: most recently updated first; limit 0...1000
    /// (default 20); namespace and agent filters.
    public func dashboardSessions(project: String, _ request: DashboardRequest) async throws -> DashboardSessions {
        try await operation {
            let limit = try dashboardLimit(request.limit, default: 20)
            let agent = (request.agentId?.isEmpty ?? true) ? nil : request.agentId
            let rows = backend.read { view -> [SessionProgress] in
                var out: [SessionProgress] = []
                view.forEachSession(projectId: project) { s in
                    if s.namespace == request.namespace, agent.map({ s.agentId == $0 }) ?? true { out.append(s) }
                    return true
                }
                return out.sorted { ($0.updatedAt, $0.id) > ($1.updatedAt, $1.id) }
            }
            return DashboardSessions(sessions: rows.prefix(limit).map(SessionRules.dashboardRow))
        }
    }
}
