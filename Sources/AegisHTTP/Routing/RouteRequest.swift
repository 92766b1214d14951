import AegisCore
import AegisWire
import AegisEngine
import HTTPTypes
import Hummingbird
import NIOCore

/// What a route handler sees: the authenticated project, decoded path/query parameters and
/// the (size-capped, not yet parsed) body.
public struct RouteRequest: Sendable {
    public let method: HTTPRequest.Method
    public let path: String
    public let params: [String: String]
    /// Query parameters in order (decoded; `+` is a space).
    public let query: [(String, String)]
    public let headers: HTTPFields
    public let body: [UInt8]?
    /// nil on open routes.
    public let principal: Principal?

    public var project: String { principal?.project ?? "" }

    public func queryValue(_ name: String) -> String? { query.last(where: { $0.0 == name })?.1 }

    /// Parses the body as JSON (any content type). nil for an empty body.
    public func json(limits: JSONReader.Limits) throws(EngineError) -> JSONValue? {
        guard let body, !body.isEmpty, !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else { return nil }
        do { return try JSONReader.parse(body, limits: limits) } catch {
            throw EngineError.validation([ValidationIssue(
                type: "json_invalid", loc: [.key("body"), .index(error.offset)], msg: "JSON decode error",
                inputJSON: "{}", ctx: [("error", JSONWriter.encode(.string(error.message)))])])
        }
    }

    static func parseQuery(_ q: String?) -> [(String, String)] {
        guard let q, !q.isEmpty else { return [] }
        return q.split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func dec(_ s: Substring) -> String {
                let plus = s.replacingOccurrences(of: "+", with: " ")
                return plus.removingPercentEncoding ?? plus
            }
            return (dec(kv[0]), kv.count > 1 ? dec(kv[1]) : "")
        }
    }
}

/// What a handler returns.
public struct RouteResponse: Sendable {
    public var status: HTTPResponse.Status
    public var headers: HTTPFields
    public var body: ResponseBody

    public init(status: HTTPResponse.Status = .ok, headers: HTTPFields = [:], body: ResponseBody) {
        self.status = status; self.headers = headers; self.body = body
    }

    /// A JSON body built with the ordered writer.
    public static func json(_ status: HTTPResponse.Status = .ok, _ build: (inout JSONWriter) -> Void) -> RouteResponse {
        var w = JSONWriter(capacity: 2048)
        build(&w)
        return .jsonBytes(status, w.bytes)
    }

    public static func jsonBytes(_ status: HTTPResponse.Status, _ bytes: [UInt8]) -> RouteResponse {
        var h = HTTPFields()
        h[.contentType] = "application/json"
        return RouteResponse(status: status, headers: h, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// `{"detail": "<text>"}`.
    public static func detail(_ status: HTTPResponse.Status, _ text: String) -> RouteResponse {
        .jsonBytes(status, detailBytes(text))
    }

    /// The bytes of `{"detail": "<text>"}` (also written by `RequestHeadGuard`).
    static func detailBytes(_ text: String) -> [UInt8] {
        var w = JSONWriter(capacity: 64 + text.utf8.count)
        w.beginObject(); w.key("detail"); w.string(text); w.endObject()
        return w.bytes
    }

    /// FastAPI 422 body from validation issues.
    public static func validation(_ issues: [ValidationIssue]) -> RouteResponse {
        json(.unprocessableContent) { w in
            w.beginObject(); w.key("detail"); w.beginArray()
            for i in issues {
                w.beginObject()
                w.key("type"); w.string(i.type)
                w.key("loc"); w.beginArray()
                for l in i.loc {
                    switch l {
                    case .key(let k): w.string(k)
                    case .index(let n): w.int(n)
                    }
                }
                w.endArray()
                w.key("msg"); w.string(i.msg)
                w.key("input"); w.raw(i.inputJSON ?? "null")
                if !i.ctx.isEmpty {
                    w.key("ctx"); w.beginObject()
                    for (k, v) in i.ctx { w.key(k); w.raw(v) }
                    w.endObject()
                }
                w.endObject()
            }
            w.endArray(); w.endObject()
        }
    }

    public static let noContent = RouteResponse(status: .noContent, body: ResponseBody())
}

extension HTTPField.Name {
    /// `X-Content-Type-Options` (every response carries `nosniff`; docs/api.md, "Wire format").
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
}
