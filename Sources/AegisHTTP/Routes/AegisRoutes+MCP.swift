import AegisMCP
import HTTPTypes
import Hummingbird
import NIOCore

extension AegisRoutes {
    /// `POST /mcp`: MCP streamable HTTP (docs/mcp.md). A project route like the REST ones: the
    /// responder has checked the key and the rate limit, capped the body, and labels its metrics
    /// `/mcp`. The tools run as the key's project and bound agent.
    func mcpRoutes() -> [Route] {
        let metrics = server.metrics
        let service = AegisMCPService(engine: engine, version: server.configuration.version, observer: MCPOperationObserver(
            operation: { op, d, ok in
                metrics.recordOperation(op, seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18,
                                        success: ok)
            },
            vote: { metrics.recordVote($0) },
            tool: { metrics.recordMCPCall(tool: $0, success: $1) }))
        return [
            Route(.post, "/mcp", auth: .project, body: true) { req in
                var headers: [String: String] = [:]
                for f in req.headers { headers[f.name.canonicalName] = f.value }
                let caller = MCPCaller(project: req.project, boundAgent: req.principal?.boundAgent)
                let reply = await service.handleHTTP(method: "POST", headers: headers, body: req.body ?? [], caller: caller)
                var h = HTTPFields()
                for (k, v) in reply.headers { if let n = HTTPField.Name(k) { h[n] = v } }
                return RouteResponse(status: HTTPResponse.Status(code: reply.status), headers: h,
                                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
            },
        ]
    }
}
