import AegisCore
import AegisWire
import AegisEngine
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// The request pipeline, in the order docs/api.md ("Order of checks") fixes: route (404/405/307) →
/// authentication (401) → rate limit (429) → body size (413) → handler (validation 422,
/// engine errors) → common headers and metrics. Every route goes through `authorize`, the one
/// chokepoint; open routes are listed explicitly in the route table.
public struct AegisResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    public let table: RouteTable
    let configuration: HTTPServerConfiguration
    let authenticator: Authenticator
    let limiter: RateLimiter
    let metrics: AegisMetrics
    let logger: Logger

    public init(table: RouteTable, configuration: HTTPServerConfiguration, authenticator: Authenticator,
                limiter: RateLimiter, metrics: AegisMetrics, logger: Logger) {
        self.table = table; self.configuration = configuration; self.authenticator = authenticator
        self.limiter = limiter; self.metrics = metrics; self.logger = logger
    }

    public func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        let requestID = request.headers[HTTPField.Name("X-Request-ID")!].map { String($0.prefix(128)) } ?? AegisResponder.randomRequestID()
        var endpoint = "unmatched"
        var out: RouteResponse
        do {
            out = try await pipeline(request, endpoint: &endpoint)
        } catch let e as EngineError {
            out = AegisResponder.errorResponse(e)
        } catch let e as EmbeddingError {
            out = .detail(.serviceUnavailable, "Embedding service unavailable: \(e.code.rawValue)")
        } catch {
            logger.error("unhandled error", metadata: ["endpoint": "\(endpoint)", "error.type": "\(type(of: error))"])
            out = .detail(.internalServerError, "Internal server error")
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        out.headers[HTTPField.Name("X-Request-ID")!] = requestID
        out.headers[HTTPField.Name("X-Response-Time")!] = AegisResponder.formatSeconds(seconds)
        // Bodies are JSON (or Prometheus text) whatever they echo; browsers must not sniff them
        // as HTML (docs/api.md, "Wire format").
        out.headers[.contentTypeOptions] = "nosniff"
        if let origin = request.headers[.origin], let allow = corsAllowOrigin(origin) {
            out.headers[.accessControlAllowOrigin] = allow
            out.headers[.accessControlAllowCredentials] = "true"
            out.headers[.vary] = "Origin"
        }
        let method = request.method.rawValue
        metrics.recordRequest(method: method, endpoint: endpoint, status: out.status.code, seconds: seconds)
        return Response(status: out.status, headers: out.headers, body: out.body)
    }

    func pipeline(_ request: Request, endpoint: inout String) async throws -> RouteResponse {
        let path = request.uri.path
        if request.method == .options, !configuration.corsOrigins.isEmpty, let origin = request.headers[.origin],
           let allow = corsAllowOrigin(origin) {
            return preflight(allow, request)
        }
        let route: Route
        let params: [String: String]
        switch table.resolve(method: request.method, path: path) {
        case .notFound:
            return .detail(.notFound, "Not Found")
        case .methodNotAllowed(let allow):
            var r = RouteResponse.detail(.methodNotAllowed, "Method Not Allowed")
            r.headers[.allow] = allow.map(\.rawValue).joined(separator: ", ")
            return r
        case .redirect(let to):
            var loc = to
            if let q = request.uri.query, !q.isEmpty { loc += "?" + q }
            var h = HTTPFields(); h[.location] = loc
            return RouteResponse(status: .temporaryRedirect, headers: h, body: ResponseBody())
        case .found(let r, let p):
            route = r; params = p
        }
        endpoint = route.template

        // The chokepoint: nothing below runs for a project route without a valid key.
        let principal: Principal?
        switch authorize(route, request) {
        case .success(let p): principal = p
        case .failure(let denied): return denied.response
        }

        var body: [UInt8]? = nil
        if route.hasBody {
            let cap = route.template == "/memories/import" ? configuration.maxImportBytes : configuration.maxBodyBytes
            if let len = request.headers[.contentLength].flatMap({ Int($0) }), len > cap {
                return AegisResponder.tooLarge(cap)
            }
            var collected: [UInt8] = []
            for try await chunk in request.body {
                if collected.count + chunk.readableBytes > cap { return AegisResponder.tooLarge(cap) }
                collected.append(contentsOf: chunk.readableBytesView)
            }
            body = collected
        }
        let rr = RouteRequest(method: request.method, path: path, params: params,
                              query: RouteRequest.parseQuery(request.uri.query), headers: request.headers,
                              body: body, principal: principal)
        return try await route.handler(rr)
    }

    /// Authentication + rate limiting for one route. Open routes pass without a principal.
    func authorize(_ route: Route, _ request: Request) -> Result<Principal?, AuthorizationDenied> {
        switch route.auth {
        case .open:
            return .success(nil)
        case .project:
            switch authenticator.authenticate(authorization: request.headers[.authorization]) {
            case .failure(let f):
                return .failure(AuthorizationDenied(.detail(.unauthorized, f.detail)))
            case .success(let p):
                if case .limited(let detail, let retry) = limiter.check(project: p.project) {
                    var r = RouteResponse.detail(.tooManyRequests, detail)
                    r.headers[.retryAfter] = String(retry)
                    return .failure(AuthorizationDenied(r))
                }
                return .success(p)
            }
        }
    }

    struct AuthorizationDenied: Error { var response: RouteResponse; init(_ r: RouteResponse) { response = r } }

    func corsAllowOrigin(_ origin: String) -> String? {
        if configuration.corsOrigins.contains("*") { return origin }
        return configuration.corsOrigins.contains(origin) ? origin : nil
    }

    func preflight(_ allow: String, _ request: Request) -> RouteResponse {
        var h = HTTPFields()
        h[.accessControlAllowOrigin] = allow
        h[.accessControlAllowCredentials] = "true"
        h[.accessControlAllowMethods] = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
        h[.accessControlAllowHeaders] = request.headers[.accessControlRequestHeaders] ?? "*"
        h[.accessControlMaxAge] = "600"
        h[.vary] = "Origin"
        return RouteResponse(status: .ok, headers: h, body: ResponseBody(byteBuffer: ByteBuffer(string: "OK")))
    }

    static func tooLarge(_ cap: Int) -> RouteResponse {
        .detail(.contentTooLarge, "Request body too large (limit \(cap) bytes)")
    }

    /// Engine error → status and FastAPI body.
    static func errorResponse(_ e: EngineError) -> RouteResponse {
        switch e.code {
        case .validation: return .validation(e.issues)
        case .notFound: return .detail(.notFound, e.message)
        case .conflict: return .detail(.conflict, e.message)
        case .badRequest: return .detail(.badRequest, e.message)
        case .forbidden: return .detail(.forbidden, e.message)
        case .unavailable: return .detail(.serviceUnavailable, e.message)
        case .payloadTooLarge: return .detail(.contentTooLarge, e.message)
        case .storageFull: return .detail(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), e.message)
        case .internalError: return .detail(.internalServerError, "Internal server error")
        }
    }

    static func formatSeconds(_ s: Double) -> String {
        let ms = Int((s * 1000).rounded())
        let frac = ms % 1000
        return "\(ms / 1000).\(frac < 10 ? "00" : frac < 100 ? "0" : "")\(frac)s"
    }

    static func randomRequestID() -> String {
        var g = SystemRandomNumberGenerator()
        let v = g.next()  // one getrandom call; 16 hex digits as before
        return Hex.encode((0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) })
    }
}
