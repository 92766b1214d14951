import Foundation
import MCP
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `aegis-memory mcp` with `AEGIS_API_URL`: relays each MCP message read on stdin to the
/// server's `/mcp` (with the API key) and writes the answer to stdout, one message at a time.
/// HTTP failures without a JSON-RPC body (401, 429, 413, connection refused) become JSON-RPC
/// errors for the request that caused them, so the client sees why (docs/mcp.md).
public struct MCPForwarder: Sendable {
    let endpoint: URL
    let apiKey: String?

    public init(baseURL: String, apiKey: String?) throws {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + "/mcp"), let scheme = url.scheme, ["http", "https"].contains(scheme) else {
            throw MCPError.invalidParams("AEGIS_API_URL must be an http(s) URL (got \"\(baseURL)\")")
        }
        self.endpoint = url; self.apiKey = apiKey
    }

    public func run() async throws {
        let stdio = StdioTransport()
        try await stdio.connect()
        let session = URLSession(configuration: .ephemeral)
        var protocolVersion: String? = nil
        for try await message in await stdio.receive() {
            let id = MCPForwarder.requestID(message)
            var req = URLRequest(url: endpoint)
            req.httpMethod = "POST"
            req.httpBody = message
            req.setValue("application/json", forHTTPHeaderField: "Content-Type")
            req.setValue("application/json, text/event-stream", forHTTPHeaderField: "Accept")
            if let apiKey { req.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization") }
            if let protocolVersion { req.setValue(protocolVersion, forHTTPHeaderField: "MCP-Protocol-Version") }
            let reply: Data?
            do {
                let (data, response) = try await session.data(for: req)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if status == 202 || (status == 200 && data.isEmpty) {
                    reply = nil
                } else if MCPForwarder.isJSONRPC(data) {
                    reply = data
                    if let v = MCPForwarder.negotiatedVersion(data) { protocolVersion = v }
                } else {
                    let text = String(decoding: data.prefix(500), as: UTF8.self)
                    reply = id.map { MCPForwarder.error(id: $0, code: -32001, "HTTP \(status) from \(endpoint.absoluteString): \(text)") }
                }
            } catch {
                reply = id.map { MCPForwarder.error(id: $0, code: -32001, "cannot reach \(endpoint.absoluteString): \(error.localizedDescription)") }
            }
            if let reply { try await stdio.send(reply) }
        }
        await stdio.disconnect()
    }

    /// The JSON `id` of a request (nil for notifications and unparsable input).
    static func requestID(_ message: Data) -> Value? {
        guard let o = try? JSONDecoder().decode([String: Value].self, from: message), o["method"] != nil,
              let id = o["id"], !id.isNull else { return nil }
        return id
    }

    static func isJSONRPC(_ data: Data) -> Bool {
        guard let o = try? JSONDecoder().decode([String: Value].self, from: data) else { return false }
        return o["jsonrpc"] != nil
    }

    static func negotiatedVersion(_ data: Data) -> String? {
        guard let o = try? JSONDecoder().decode([String: Value].self, from: data) else { return nil }
        return o["result"]?.objectValue?["protocolVersion"]?.stringValue
    }

    static func error(id: Value, code: Int, _ message: String) -> Data {
        let v: Value = .object(["jsonrpc": "2.0", "id": id, "error": .object(["code": .int(code), "message": .string(message)])])
        return (try? JSONEncoder().encode(v)) ?? Data()
    }
}
