import AegisCore
import AegisEngine
import AegisWire
import Foundation
import MCP

/// The resources (docs/mcp.md, "Resources"): read-only JSON views over the same engine reads as
/// the REST routes. Each URI takes an optional `?namespace=` (default `default`).
struct MCPResources: Sendable {
    let engine: AegisEngine
    let caller: MCPCaller

    static let recent = "aegis://memories/recent"
    static let features = "aegis://features/status"
    static let sessionPrefix = "aegis://session/state/"

    static let list: [Resource] = [
        Resource(name: "recent_memories", uri: recent, title: "Recent memories",
                 description: "The 20 newest memories this key may read in the namespace (an agent-bound key sees what its agent may read).",
                 mimeType: "application/json"),
        Resource(name: "features_status", uri: features, title: "Feature status",
                 description: "All tracked features of the namespace with totals: passing, failing, in progress.",
                 mimeType: "application/json"),
    ]

    static let templates: [Resource.Template] = [
        Resource.Template(uriTemplate: sessionPrefix + "{session_id}", name: "session_state", title: "Session state",
                          description: "Progress of one session: completed, in-progress, next and blocked items, summary, status.",
                          mimeType: "application/json"),
    ]

    func read(_ uri: String) async throws -> ReadResource.Result {
        let (path, namespace) = MCPResources.split(uri)
        var w = JSONWriter(capacity: 4096)
        do {
            switch path {
            case MCPResources.recent:
                let ms = try await engine.recentMemories(project: caller.project, namespace: namespace, limit: 20,
                                                         boundAgent: caller.boundAgent)
                w.beginObject(); w.key("memories"); w.beginArray()
                for m in ms { ResponseEncoding.memory(m, &w) }
                w.endArray(); w.endObject()
            case MCPResources.features:
                let l = try await engine.listFeatures(project: caller.project, ListFeaturesRequest(namespace: namespace))
                ResponseEncoding.featureList(l, &w)
            case let p where p.hasPrefix(MCPResources.sessionPrefix) && p.count > MCPResources.sessionPrefix.count:
                let id = String(p.dropFirst(MCPResources.sessionPrefix.count))
                let sessionId = id.removingPercentEncoding ?? id
                ResponseEncoding.session(try await engine.getSession(project: caller.project, sessionId: sessionId), &w)
            default:
                throw MCPError.invalidParams("Unknown resource: \(uri) (resources: \(MCPResources.recent), \(MCPResources.features), \(MCPResources.sessionPrefix){session_id})")
            }
        } catch let e as MCPError {
            throw e
        } catch {
            throw MCPError.invalidParams("Cannot read \(uri): \(MCPToolResult.describe(error).message)")
        }
        return .init(contents: [.text(String(decoding: w.bytes, as: UTF8.self), uri: uri, mimeType: "application/json")])
    }

    /// `aegis://x/y?namespace=n` → ("aegis://x/y", "n").
    static func split(_ uri: String) -> (String, String) {
        guard let q = uri.firstIndex(of: "?") else { return (uri, "default") }
        var ns = "default"
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == "namespace" { ns = String(kv[1]).removingPercentEncoding ?? String(kv[1]) }
        }
        return (String(uri[..<q]), ns)
    }
}
