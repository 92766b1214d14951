import AegisEngine
import Foundation
import Logging
import MCP

/// The MCP server over one engine (docs/mcp.md): the tools and resources, served either per HTTP
/// request (`/mcp`, mounted by AegisHTTP) or over stdio (`aegis-memory mcp`).
///
/// HTTP is stateless: every POST gets a fresh SDK `Server` bound to the caller the HTTP layer
/// authenticated, answering with one JSON response (no session id, no server-sent events;
/// `GET /mcp` is 405, which the streamable HTTP transport allows). Each request is therefore
/// checked against its own key, and clients of any protocol version share the endpoint.
public struct AegisMCPService: Sendable {
    public let engine: AegisEngine
    public let version: String
    public let observer: MCPOperationObserver?

    public init(engine: AegisEngine, version: String, observer: MCPOperationObserver? = nil) {
        self.engine = engine; self.version = version; self.observer = observer
    }

    static let instructions = """
        Aegis Memory: long-term memory shared by agents. Use query_memory before work to recall, add_memory to \
        remember, get_playbook/add_reflection for lessons, update_session and update_feature to track progress, \
        handoff to pass a task to another agent.
        """

    /// A server with every tool and resource registered, acting as `caller`.
    public func makeServer(for caller: MCPCaller) async -> Server {
        let server = Server(name: "aegis-memory", version: version, instructions: AegisMCPService.instructions,
                            capabilities: .init(resources: .init(subscribe: false, listChanged: false),
                                                tools: .init(listChanged: false)))
        let tools = MCPTools(engine: engine, caller: caller, observer: observer)
        let resources = MCPResources(engine: engine, caller: caller)
        await server.withMethodHandler(ListTools.self) { _ in .init(tools: MCPToolCatalog.tools) }
        await server.withMethodHandler(CallTool.self) { p in try await tools.call(p.name, p.arguments) }
        await server.withMethodHandler(ListResources.self) { _ in .init(resources: MCPResources.list) }
        await server.withMethodHandler(ListResourceTemplates.self) { _ in .init(templates: MCPResources.templates) }
        await server.withMethodHandler(ReadResource.self) { p in try await resources.read(p.uri) }
        return server
    }

    /// One HTTP exchange of the streamable HTTP transport. The caller has been authenticated
    /// (and rate-limited) by the HTTP layer.
    public func handleHTTP(method: String, headers: [String: String], body: [UInt8], caller: MCPCaller) async -> MCPHTTPReply {
        let transport = StatelessHTTPServerTransport(validationPipeline: StandardValidationPipeline(validators: [
            AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
        ]))
        let server = await makeServer(for: caller)
        do {
            try await server.start(transport: transport)
        } catch {
            return MCPHTTPReply(.error(statusCode: 500, .internalError("MCP server did not start")))
        }
        let response = await transport.handleRequest(HTTPRequest(method: method, headers: headers, body: Data(body), path: "/mcp"))
        await server.stop()
        return MCPHTTPReply(response)
    }

    /// Serves stdin/stdout until the client closes stdin.
    public func runStdio(caller: MCPCaller) async throws {
        let server = await makeServer(for: caller)
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}

/// What the HTTP layer sends back for `/mcp`, free of SDK types.
public struct MCPHTTPReply: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    init(_ r: HTTPResponse) {
        status = r.statusCode
        headers = r.headers
        body = r.bodyData.map { [UInt8]($0) } ?? []
    }
}
