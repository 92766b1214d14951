import AegisCore
import AegisWire
import AegisEngine
import Hummingbird

/// `POST /memories/hybrid_query` and `PATCH /memories/{memory_id}` (docs/api.md).
extension AegisRoutes {
    func hybridRoutes() -> [Route] {
        let engine = self.engine
        let limits = self.limits
        let me = self
        return [
            Route(.post, "/memories/hybrid_query", auth: .project, body: true) { req in
                let r = try RequestDecoding.hybridQuery(try req.json(limits: limits))
                let out = try await me.measured("query") {
                    try await engine.hybridQuery(project: req.project, r, boundAgent: req.principal?.boundAgent)
                }
                return .json { ResponseEncoding.hybrid(out, &$0) }
            },
            Route(.patch, "/memories/{memory_id}", auth: .project, body: true) { req in
                let r = try RequestDecoding.patchMemory(try req.json(limits: limits))
                let out = try await me.measured("update") {
                    try await engine.patch(project: req.project, id: req.params["memory_id"] ?? "", r,
                                           boundAgent: req.principal?.boundAgent)
                }
                return .json { ResponseEncoding.memory(out, &$0) }
            },
        ]
    }
}
