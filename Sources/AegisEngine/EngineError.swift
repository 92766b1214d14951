/// The one error type of the engine layer. The HTTP layer maps `code` to a status:
/// notFound → 404, conflict → 409, validation → 422 (FastAPI body from `issues`),
/// badRequest → 400, unavailable → 503, forbidden → 403, payloadTooLarge → 413,
/// storageFull → 507 (disk full: nothing was written, reads keep working), internal → 500.
public struct EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        case notFound, conflict, validation, badRequest, unavailable, forbidden, payloadTooLarge, storageFull, internalError
    }

    public var code: Code
    /// Human text; for 404/409/400/403/503 this is exactly the `detail` string to send
    /// (e.g. "Memory not found", "Session not found").
    public var message: String
    /// Field errors for `.validation` (FastAPI 422 `detail` items).
    public var issues: [ValidationIssue]

    public init(_ code: Code, _ message: String, issues: [ValidationIssue] = []) {
        self.code = code
        self.message = message
        self.issues = issues
    }

    public var description: String {
        if issues.isEmpty { return "\(code.rawValue): \(message)" }
        return "\(code.rawValue): \(message) " + issues.map { $0.description }.joined(separator: "; ")
    }

    public static func notFound(_ what: String) -> EngineError { EngineError(.notFound, "\(what) not found") }
    public static let memoryNotFound = EngineError(.notFound, "Memory not found")
    public static let sessionNotFound = EngineError(.notFound, "Session not found")
    public static let featureNotFound = EngineError(.notFound, "Feature not found")
    public static func validation(_ issues: [ValidationIssue]) -> EngineError {
        EngineError(.validation, "validation failed", issues: issues)
    }
}

/// One element of a `loc` path: a field name or an array index.
public enum LocElement: Sendable, Equatable, Hashable, CustomStringConvertible {
    case key(String)
    case index(Int)
    public var description: String {
        switch self {
        case .key(let k): return k
        case .index(let i): return String(i)
        }
    }
}

/// A FastAPI-shaped validation item: `{"type", "loc", "msg", "input", "ctx"?}`.
/// `loc` is relative to the request body root *including* the leading "body"/"query"/"path".
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    /// Pydantic error type, e.g. `string_too_short`, `string_too_long`, `less_than_equal`,
    /// `greater_than_equal`, `literal_error`, `value_error`, `too_short`, `too_long`, `missing`,
    /// `string_type`, `int_type`, `enum`.
    public var type: String
    public var loc: [LocElement]
    public var msg: String
    /// The offending input value rendered as JSON text (already-encoded), or nil when absent.
    public var inputJSON: String?
    /// Optional `ctx` entries as (key, JSON-encoded value) in order, e.g. [("max_length","64")].
    public var ctx: [(String, String)]

    public init(type: String, loc: [LocElement], msg: String, inputJSON: String? = nil, ctx: [(String, String)] = []) {
        self.type = type; self.loc = loc; self.msg = msg; self.inputJSON = inputJSON; self.ctx = ctx
    }

    public static func == (a: ValidationIssue, b: ValidationIssue) -> Bool {
        a.type == b.type && a.loc == b.loc && a.msg == b.msg && a.inputJSON == b.inputJSON
            && a.ctx.map { $0.0 } == b.ctx.map { $0.0 } && a.ctx.map { $0.1 } == b.ctx.map { $0.1 }
    }

    public var description: String { "\(loc.map { $0.description }.joined(separator: ".")): \(msg)" }
}
