import AegisCore

/// Collects FastAPI/Pydantic-shaped field errors for one request.
struct Validator {
    var issues: [ValidationIssue] = []
    let root: [LocElement]

    init(_ root: LocElement...) { self.root = root }
    init(root: [LocElement]) { self.root = root }

    static let maxTTL = 31_536_000

    mutating func add(_ path: [LocElement], _ type: String, _ msg: String, _ input: String?, _ ctx: [(String, String)] = []) {
        issues.append(ValidationIssue(type: type, loc: root + path, msg: msg, inputJSON: input, ctx: ctx))
    }

    /// Length in Unicode code points (Python `len`).
    mutating func string(_ value: String?, _ path: [LocElement], min: Int? = nil, max: Int? = nil) {
        guard let value else { return }
        let n = value.unicodeScalars.count
        if let min, n < min {
            add(path, "string_too_short", "String should have at least \(min) character\(min == 1 ? "" : "s")",
                jsonString(value), [("min_length", String(min))])
        } else if let max, n > max {
            add(path, "string_too_long", "String should have at most \(max) character\(max == 1 ? "" : "s")",
                jsonString(value), [("max_length", String(max))])
        }
    }

    mutating func int(_ value: Int?, _ path: [LocElement], min: Int? = nil, max: Int? = nil) {
        guard let value else { return }
        if let min, value < min {
            add(path, "greater_than_equal", "Input should be greater than or equal to \(min)", String(value), [("ge", String(min))])
        } else if let max, value > max {
            add(path, "less_than_equal", "Input should be less than or equal to \(max)", String(value), [("le", String(max))])
        }
    }

    mutating func double(_ value: Double?, _ path: [LocElement], min: Double, max: Double) {
        guard let value else { return }
        if !value.isFinite {
            add(path, "finite_number", "Input should be a finite number", pyFloat(value))
        } else if value < min {
            add(path, "greater_than_equal", "Input should be greater than or equal to \(pyFloat(min))", pyFloat(value), [("ge", pyFloat(min))])
        } else if value > max {
            add(path, "less_than_equal", "Input should be less than or equal to \(pyFloat(max))", pyFloat(value), [("le", pyFloat(max))])
        }
    }

    mutating func list(_ count: Int, _ path: [LocElement], min: Int, max: Int, input: String) {
        if count < min {
            add(path, "too_short", "List should have at least \(min) item\(min == 1 ? "" : "s") after validation, not \(count)", input,
                [("field_type", "\"List\""), ("min_length", String(min)), ("actual_length", String(count))])
        } else if count > max {
            add(path, "too_long", "List should have at most \(max) item\(max == 1 ? "" : "s") after validation, not \(count)", input,
                [("field_type", "\"List\""), ("max_length", String(max)), ("actual_length", String(count))])
        }
    }

    /// A string that must be one of `allowed` (the `literal_error` of Pydantic).
    mutating func literal(_ value: String?, _ path: [LocElement], _ allowed: [String]) {
        guard let value, !allowed.contains(value) else { return }
        let expected = quotedAlternatives(allowed)
        add(path, "literal_error", "Input should be \(expected)", jsonString(value), [("expected", jsonString(expected))])
    }

    /// The 1.2 scope validator message (`value_error`).
    mutating func scope(_ value: String?, _ path: [LocElement]) {
        guard let value, Scope(rawValue: value) == nil else { return }
        add(path, "value_error", "Value error, scope must be one of: ['agent-private', 'agent-shared', 'global']",
            jsonString(value), [("error", "{}")])
    }

    func check() throws {
        if !issues.isEmpty { throw EngineError.validation(issues) }
    }
}

func quotedAlternatives(_ allowed: [String]) -> String {
    let q = allowed.map { "'\($0)'" }
    if q.count <= 1 { return q.first ?? "" }
    return q.dropLast().joined(separator: ", ") + " or " + q.last!
}

/// JSON string literal (for `input` of validation errors).
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) }
            else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

/// Python `repr(float)`-like rendering for common values (0.0, 1.0, -1.0, 0.5).
func pyFloat(_ d: Double) -> String {
    if d.isNaN { return "NaN" }
    if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
    if d == d.rounded(), abs(d) < 1e16 { return String(Int64(d)) + ".0" }
    return "\(d)"
}

/// Milliseconds since `start`, rounded to 2 decimals (the 1.2 `*_time_ms` fields).
func elapsedMs(since start: UInt64) -> Double {
    let ns = Double(monotonicNanos() &- start)
    return pythonRound(ns / 1_000_000, digits: 2)
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

extension AegisEngine {
    /// An agent-bound key may only act as its agent.
    func checkBound(_ bound: String?, _ claimed: String?, field: String) throws {
        guard let bound, let claimed, claimed != bound else { return }
        throw EngineError(.forbidden, "API key is bound to agent '\(bound)'; \(field) '\(claimed)' is not allowed")
    }
}
