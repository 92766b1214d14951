import AegisCore
import AegisWire
import AegisEngine
import Hummingbird

extension AegisRoutes {
    func memoryRoutes() -> [Route] {
        let engine = self.engine
        let limits = self.limits
        let me = self
        return [
            Route(.post, "/memories/add", auth: .project, body: true) { req in
                let r = try RequestDecoding.add(try req.json(limits: limits))
                let out = try await me.measured("add") {
                    try await engine.add(project: req.project, r, boundAgent: req.principal?.boundAgent)
                }
                return .json { ResponseEncoding.addResult(out, &$0) }
            },
            Route(.post, "/memories/add_batch", auth: .project, body: true) { req in
                let r = try RequestDecoding.addBatch(try req.json(limits: limits))
                let out = try await me.measured("add") {
                    try await engine.addBatch(project: req.project, r, boundAgent: req.principal?.boundAgent)
                }
                return .json { ResponseEncoding.addBatch(out, &$0) }
            },
            Route(.post, "/memories/query", auth: .project, body: true) { req in
                let r = try RequestDecoding.query(try req.json(limits: limits))
                let out = try await me.measured("query") {
                    try await engine.query(project: req.project, r, boundAgent: req.principal?.boundAgent)
                }
                return .json { ResponseEncoding.query(out, &$0) }
            },
            Route(.post, "/memories/query_cross_agent", auth: .project, body: true) { req in
                let r = try RequestDecoding.queryCrossAgent(try req.json(limits: limits))
                let out = try await me.measured("query") {
                    try await engine.queryCrossAgent(project: req.project, r, boundAgent: req.principal?.boundAgent)
                }
                return .json { ResponseEncoding.query(out, &$0) }
            },
            Route(.post, "/memories/handoff", auth: .project, body: true) { req in
                let r = try RequestDecoding.handoff(try req.json(limits: limits))
                let out = try await engine.handoff(project: req.project, r, boundAgent: req.principal?.boundAgent)
                return .json { ResponseEncoding.baton(out, &$0) }
            },
            Route(.get, "/memories/{memory_id}", auth: .project) { req in
                let out = try await engine.get(project: req.project, id: req.params["memory_id"] ?? "",
                                               boundAgent: req.principal?.boundAgent)
                return .json { ResponseEncoding.memory(out, &$0) }
            },
            Route(.delete, "/memories/{memory_id}", auth: .project) { req in
                try await me.measured("delete") {
                    try await engine.delete(project: req.project, id: req.params["memory_id"] ?? "",
                                            boundAgent: req.principal?.boundAgent)
                }
                return .noContent
            },
            Route(.post, "/memories/export", auth: .project, body: true) { req in
                try me.export(req)
            },
            Route(.post, "/memories/import", auth: .project, body: true) { req in
                try await me.importMemories(req)
            },
        ]
    }
}
