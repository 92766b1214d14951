import Foundation
import HTTPTypes

/// Who may call a route. Every route must declare one (the auth census test enumerates them).
public enum RouteAuth: String, Sendable, Equatable {
    /// No key needed (`/`, `/health`, `/ready`, `/metrics`).
    case open
    /// A valid key; the request runs as the key's project; rate-limited per project.
    case project
}

/// One application route. `template` uses `{name}` for a single decoded path segment.
public struct Route: Sendable {
    public let method: HTTPRequest.Method
    public let template: String
    public let auth: RouteAuth
    /// Whether the route reads a JSON body (bodies of other routes are ignored, never parsed).
    public let hasBody: Bool
    let segments: [Segment]
    let handler: @Sendable (RouteRequest) async throws -> RouteResponse

    enum Segment: Sendable, Equatable { case literal(String), param(String) }

    public init(_ method: HTTPRequest.Method, _ template: String, auth: RouteAuth, body: Bool = false,
                _ handler: @escaping @Sendable (RouteRequest) async throws -> RouteResponse) {
        self.method = method
        self.template = template
        self.auth = auth
        self.hasBody = body
        self.handler = handler
        self.segments = template.split(separator: "/", omittingEmptySubsequences: true).map { s in
            if s.hasPrefix("{") && s.hasSuffix("}") { return .param(String(s.dropFirst().dropLast())) }
            return .literal(String(s))
        }
    }

    func match(_ parts: [String]) -> [String: String]? {
        guard parts.count == segments.count else { return nil }
        var params: [String: String] = [:]
        for (seg, p) in zip(segments, parts) {
            switch seg {
            case .literal(let l): if l != p { return nil }
            case .param(let n): params[n] = p
            }
        }
        return params
    }
}

/// Route lookup with FastAPI's outcomes: a match, 405 (path known, method not), a 307 to the
/// slash-less path, or 404.
public struct RouteTable: Sendable {
    public let routes: [Route]
    public init(_ routes: [Route]) { self.routes = routes }

    public enum Resolution {
        case found(Route, [String: String])
        case methodNotAllowed(allow: [HTTPRequest.Method])
        case redirect(String)
        case notFound
    }

    public func resolve(method: HTTPRequest.Method, path: String) -> Resolution {
        if path.count > 1, path.hasSuffix("/") {
            var trimmed = path
            while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
            if case .found = resolve(method: method, path: trimmed) { return .redirect(trimmed) }
            return .notFound
        }
        let parts = RouteTable.split(path)
        guard let parts else { return .notFound }
        var allowed: [HTTPRequest.Method] = []
        var allowedParams = Int.max  // parameter segments of the routes in `allowed`
        var literalMatch: (Route, [String: String])? = nil
        var paramMatch: (Route, [String: String])? = nil
        for r in routes {
            guard let params = r.match(parts) else { continue }
            if r.method == method {
                // Prefer the route with more literal segments (like Starlette's declaration order
                // for our table: literal ACE paths never collide with `/memories/{id}` anyway).
                if params.isEmpty { literalMatch = literalMatch ?? (r, params) } else { paramMatch = paramMatch ?? (r, params) }
            } else if params.count < allowedParams {
                // `Allow` names the methods of the most specific path only, as Starlette does:
                // `PUT /memories/add` answers `Allow: POST`, not the `GET, DELETE` of
                // `/memories/{memory_id}` (docs/api.md, "Order of checks").
                allowed = [r.method]; allowedParams = params.count
            } else if params.count == allowedParams, !allowed.contains(r.method) {
                allowed.append(r.method)
            }
        }
        if let m = literalMatch ?? paramMatch { return .found(m.0, m.1) }
        if !allowed.isEmpty { return .methodNotAllowed(allow: allowed) }
        return .notFound
    }

    /// Splits and percent-decodes path segments; nil for undecodable input.
    static func split(_ path: String) -> [String]? {
        var out: [String] = []
        for s in path.split(separator: "/", omittingEmptySubsequences: true) {
            // Foundation's decoder only where there is something to decode.
            guard s.utf8.contains(UInt8(ascii: "%")) else { out.append(String(s)); continue }
            guard let d = String(s).removingPercentEncoding else { return nil }
            out.append(d)
        }
        return out
    }
}
