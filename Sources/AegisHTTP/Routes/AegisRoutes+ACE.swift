import AegisCore
import AegisWire
import AegisEngine
import Hummingbird

extension AegisRoutes {
    func aceRoutes() -> [Route] {
        let engine = self.engine
        let limits = self.limits
        let me = self
        let metrics = server.metrics
        return [
            Route(.post, "/memories/ace/vote/{memory_id}", auth: .project, body: true) { req in
                let r = try RequestDecoding.vote(try req.json(limits: limits))
                let out = try await me.measured("vote") {
                    try await engine.vote(project: req.project, memoryId: req.params["memory_id"] ?? "", r,
                                          boundAgent: req.principal?.boundAgent)
                }
                metrics.recordVote(r.vote)
                return .json { ResponseEncoding.vote(out, &$0) }
            },
            Route(.get, "/memories/ace/votes/{memory_id}", auth: .project) { req in
                let id = req.params["memory_id"] ?? ""
                let (votes, total) = try await engine.votes(project: req.project, memoryId: id, boundAgent: req.principal?.boundAgent)
                return .json { ResponseEncoding.voteList(memoryId: id, votes, total: total, &$0) }
            },
            Route(.post, "/memories/ace/delta", auth: .project, body: true) { req in
                let r = try RequestDecoding.delta(try req.json(limits: limits))
                let out = try await engine.delta(project: req.project, r, boundAgent: req.principal?.boundAgent)
                return .json { ResponseEncoding.delta(out, &$0) }
            },
            Route(.post, "/memories/ace/reflection", auth: .project, body: true) { req in
                let r = try RequestDecoding.reflection(try req.json(limits: limits))
                let out = try await engine.reflection(project: req.project, r, boundAgent: req.principal?.boundAgent)
                return .json { ResponseEncoding.reflection(out, &$0) }
            },
            Route(.post, "/memories/ace/playbook", auth: .project, body: true) { req in
                let r = try RequestDecoding.playbook(try req.json(limits: limits))
                let out = try await me.measured("query") {
                    try await engine.playbook(project: req.project, r, boundAgent: req.principal?.boundAgent)
                }
                return .json { ResponseEncoding.playbook(out, &$0) }
            },
        ]
    }

    func sessionRoutes() -> [Route] {
        let engine = self.engine
        let limits = self.limits
        return [
            Route(.post, "/memories/ace/session", auth: .project, body: true) { req in
                let r = try RequestDecoding.createSession(try req.json(limits: limits))
                let out = try await engine.createSession(project: req.project, r, boundAgent: req.principal?.boundAgent)
                return .json { ResponseEncoding.session(out, &$0) }
            },
            Route(.get, "/memories/ace/session/{session_id}", auth: .project) { req in
                let out = try await engine.getSession(project: req.project, sessionId: req.params["session_id"] ?? "")
                return .json { ResponseEncoding.session(out, &$0) }
            },
            Route(.patch, "/memories/ace/session/{session_id}", auth: .project, body: true) { req in
                let r = try RequestDecoding.patchSession(try req.json(limits: limits))
                let out = try await engine.patchSession(project: req.project, sessionId: req.params["session_id"] ?? "", r)
                return .json { ResponseEncoding.session(out, &$0) }
            },
            Route(.post, "/memories/ace/feature", auth: .project, body: true) { req in
                let r = try RequestDecoding.createFeature(try req.json(limits: limits))
                let out = try await engine.createFeature(project: req.project, r)
                return .json { ResponseEncoding.feature(out, &$0) }
            },
            Route(.get, "/memories/ace/feature/{feature_id}", auth: .project) { req in
                var q = AegisRoutes.queryReader(req)
                let ns = try AegisRoutes.checked(q, q.defaultedString("namespace", default: "default"))
                let out = try await engine.getFeature(project: req.project, featureId: req.params["feature_id"] ?? "", namespace: ns)
                return .json { ResponseEncoding.feature(out, &$0) }
            },
            Route(.patch, "/memories/ace/feature/{feature_id}", auth: .project, body: true) { req in
                var q = AegisRoutes.queryReader(req)
                let ns = try AegisRoutes.checked(q, q.defaultedString("namespace", default: "default"))
                let r = try RequestDecoding.patchFeature(try req.json(limits: limits))
                let out = try await engine.patchFeature(project: req.project, featureId: req.params["feature_id"] ?? "",
                                                         namespace: ns, r)
                return .json { ResponseEncoding.feature(out, &$0) }
            },
            Route(.get, "/memories/ace/features", auth: .project) { req in
                var q = AegisRoutes.queryReader(req)
                let r = ListFeaturesRequest(namespace: q.defaultedString("namespace", default: "default"),
                                            sessionId: q.optionalString("session_id"), status: q.optionalString("status"))
                let out = try await engine.listFeatures(project: req.project, try AegisRoutes.checked(q, r))
                return .json { ResponseEncoding.featureList(out, &$0) }
            },
        ]
    }

    func dashboardRoutes() -> [Route] {
        let engine = self.engine
        @Sendable func eval(_ req: RouteRequest) throws(EngineError) -> EvalRequest {
            var q = AegisRoutes.queryReader(req)
            let r = EvalRequest(namespace: q.optionalString("namespace"), agentId: q.optionalString("agent_id"),
                                window: q.defaultedString("window", default: "global"))
            return try AegisRoutes.checked(q, r)
        }
        @Sendable func dash(_ req: RouteRequest) throws(EngineError) -> DashboardRequest {
            var q = AegisRoutes.queryReader(req)
            let r = DashboardRequest(namespace: q.defaultedString("namespace", default: "default"),
                                     agentId: q.optionalString("agent_id"),
                                     limit: q.optionalInt("limit", ge: 0, le: 1000))
            return try AegisRoutes.checked(q, r)
        }
        return [
            Route(.get, "/memories/ace/eval/metrics", auth: .project) { req in
                let out = try await engine.evalMetrics(project: req.project, try eval(req))
                return .json { ResponseEncoding.evalMetrics(out, &$0) }
            },
            Route(.get, "/memories/ace/eval/correlation", auth: .project) { req in
                let out = try await engine.evalCorrelation(project: req.project, try eval(req))
                return .json { ResponseEncoding.evalCorrelation(out, &$0) }
            },
            Route(.get, "/memories/ace/dashboard/stats", auth: .project) { req in
                let out = try await engine.dashboardStats(project: req.project, try dash(req))
                return .json { ResponseEncoding.dashboardStats(out, &$0) }
            },
            Route(.get, "/memories/ace/dashboard/activity", auth: .project) { req in
                let out = try await engine.dashboardActivity(project: req.project, try dash(req))
                return .json { ResponseEncoding.activity(out, &$0) }
            },
            Route(.get, "/memories/ace/dashboard/sessions", auth: .project) { req in
                let out = try await engine.dashboardSessions(project: req.project, try dash(req))
                return .json { ResponseEncoding.dashboardSessions(out, &$0) }
            },
        ]
    }
}
