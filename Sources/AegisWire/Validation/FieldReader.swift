import AegisCore
import AegisEngine

/// Reads typed fields out of a JSON object the way Pydantic v2 (lax mode) validates a
/// FastAPI request model, collecting every problem as a `ValidationIssue` with the same
/// `type`, `msg`, `loc`, `input` and `ctx` Aegis 1.2 produced (docs/api.md, "Validation").
///
/// Every accessor returns a usable value even on error (so decoding can continue and report
/// all issues at once); callers check `issues.isEmpty` at the end.
public struct FieldReader {
    public let object: JSONObject
    public let loc: [LocElement]
    public var issues: [ValidationIssue] = []

    public init(_ object: JSONObject, loc: [LocElement]) { self.object = object; self.loc = loc }

    /// Validates that `value` is an object; on failure records `model_attributes_type` (or
    /// `missing` for an absent body) and returns an empty reader.
    public static func model(_ value: JSONValue?, loc: [LocElement], issues: inout [ValidationIssue]) -> FieldReader? {
        guard let value else {
            issues.append(ValidationIssue(type: "missing", loc: loc, msg: "Field required", inputJSON: "null"))
            return nil
        }
        guard case .object(let o) = value else {
            issues.append(ValidationIssue(type: "model_attributes_type", loc: loc,
                                          msg: "Input should be a valid dictionary or object to extract fields from",
                                          inputJSON: JSONWriter.encode(value)))
            return nil
        }
        return FieldReader(o, loc: loc)
    }

    // MARK: issue helpers

    mutating func add(_ type: String, _ key: String, _ msg: String, _ input: JSONValue?, ctx: [(String, String)] = [], extra: [LocElement] = []) {
        issues.append(ValidationIssue(type: type, loc: loc + [.key(key)] + extra, msg: msg,
                                      inputJSON: input.map(JSONWriter.encode), ctx: ctx))
    }
    mutating func missing(_ key: String) {
        add("missing", key, "Field required", .object(object))
    }

    // MARK: strings

    /// Required `str` with code-point length bounds.
    public mutating func requiredString(_ key: String, min: Int = 0, max: Int? = nil) -> String {
        guard let v = object[key] else { missing(key); return "" }
        return checkString(key, v, min: min, max: max) ?? ""
    }

    /// `str | None = None`: absent or null → nil.
    public mutating func optionalString(_ key: String, min: Int = 0, max: Int? = nil) -> String? {
        guard let v = object[key], !v.isNull else { return nil }
        return checkString(key, v, min: min, max: max)
    }

    /// `str = default`: absent → default; null → `string_type` (as Pydantic does).
    public mutating func defaultedString(_ key: String, default def: String, min: Int = 0, max: Int? = nil) -> String {
        guard let v = object[key] else { return def }
        return checkString(key, v, min: min, max: max) ?? def
    }

    mutating func checkString(_ key: String, _ v: JSONValue, min: Int, max: Int?, extra: [LocElement] = []) -> String? {
        guard case .string(let s) = v else {
            add("string_type", key, "Input should be a valid string", v, extra: extra); return nil
        }
        if min > 0 || max != nil {
            let n = s.unicodeScalars.count
            if n < min {
                add("string_too_short", key, "String should have at least \(min) character\(min == 1 ? "" : "s")", v,
                    ctx: [("min_length", String(min))], extra: extra)
                return nil
            }
            if let max, n > max {
                add("string_too_long", key, "String should have at most \(max) character\(max == 1 ? "" : "s")", v,
                    ctx: [("max_length", String(max))], extra: extra)
                return nil
            }
        }
        return s
    }

    /// A string restricted to a set of values (`Literal[...]`): `literal_error`.
    public mutating func literal(_ key: String, _ allowed: [String], default def: String?) -> String? {
        guard let v = object[key] else {
            if def == nil { missing(key) }
            return def
        }
        if case .string(let s) = v, allowed.contains(s) { return s }
        let expected = FieldReader.expectedList(allowed)
        add("literal_error", key, "Input should be \(expected)", v, ctx: [("expected", JSONWriter.encode(.string(expected)))])
        return nil
    }

    /// `'a', 'b' or 'c'` as Pydantic writes it.
    static func expectedList(_ allowed: [String]) -> String {
        let q = allowed.map { "'\($0)'" }
        if q.count <= 1 { return q.first ?? "" }
        return q.dropLast().joined(separator: ", ") + " or " + q.last!
    }

    /// A string that must match `^(a|b)$` (`Field(pattern=…)`): `string_pattern_mismatch`.
    public mutating func patternString(_ key: String, _ allowed: [String], pattern: String, default def: String) -> String {
        guard let v = object[key] else { return def }
        guard case .string(let s) = v else { add("string_type", key, "Input should be a valid string", v); return def }
        if allowed.contains(s) { return s }
        add("string_pattern_mismatch", key, "String should match pattern '\(pattern)'", v,
            ctx: [("pattern", JSONWriter.encode(.string(pattern)))])
        return def
    }

    // MARK: lists and objects

    /// `list[str] | None`: absent/null → nil; elements must be strings.
    public mutating func optionalStringList(_ key: String, minItems: Int = 0, maxItems: Int? = nil, maxLength: Int? = nil) -> [String]? {
        guard let v = object[key], !v.isNull else { return nil }
        return checkStringList(key, v, minItems: minItems, maxItems: maxItems, maxLength: maxLength)
    }

    /// `list[str] = default`: null → `list_type`.
    public mutating func defaultedStringList(_ key: String, default def: [String]) -> [String] {
        guard let v = object[key] else { return def }
        return checkStringList(key, v, minItems: 0, maxItems: nil, maxLength: nil) ?? def
    }

    mutating func checkStringList(_ key: String, _ v: JSONValue, minItems: Int, maxItems: Int?, maxLength: Int?) -> [String]? {
        guard case .array(let a) = v else { add("list_type", key, "Input should be a valid list", v); return nil }
        if !checkCount(key, v, a.count, minItems: minItems, maxItems: maxItems) { return nil }
        var out: [String] = []
        out.reserveCapacity(a.count)
        let before = issues.count
        for (i, e) in a.enumerated() {
            if let s = checkString(key, e, min: 0, max: maxLength, extra: [.index(i)]) { out.append(s) }
        }
        return issues.count == before ? out : nil
    }

    /// Raw list (items validated by the caller) with length bounds.
    public mutating func requiredList(_ key: String, minItems: Int, maxItems: Int?) -> [JSONValue]? {
        guard let v = object[key] else { missing(key); return nil }
        guard case .array(let a) = v else { add("list_type", key, "Input should be a valid list", v); return nil }
        return checkCount(key, v, a.count, minItems: minItems, maxItems: maxItems) ? a : nil
    }

    mutating func checkCount(_ key: String, _ v: JSONValue, _ n: Int, minItems: Int, maxItems: Int?) -> Bool {
        if n < minItems {
            add("too_short", key, "List should have at least \(minItems) item\(minItems == 1 ? "" : "s") after validation, not \(n)", v,
                ctx: [("field_type", "\"List\""), ("min_length", String(minItems)), ("actual_length", String(n))])
            return false
        }
        if let maxItems, n > maxItems {
            add("too_long", key, "List should have at most \(maxItems) item\(maxItems == 1 ? "" : "s") after validation, not \(n)", v,
                ctx: [("field_type", "\"List\""), ("max_length", String(maxItems)), ("actual_length", String(n))])
            return false
        }
        return true
    }

    /// `dict | None`: absent/null → nil.
    public mutating func optionalObject(_ key: String) -> JSONObject? {
        guard let v = object[key], !v.isNull else { return nil }
        guard case .object(let o) = v else { add("dict_type", key, "Input should be a valid dictionary", v); return nil }
        return o
    }

    /// `list[dict[str, str]] | None` (session `blocked_items`).
    public mutating func optionalStringDictList(_ key: String) -> [JSONObject]? {
        guard let v = object[key], !v.isNull else { return nil }
        guard case .array(let a) = v else { add("list_type", key, "Input should be a valid list", v); return nil }
        var out: [JSONObject] = []
        let before = issues.count
        for (i, e) in a.enumerated() {
            guard case .object(let o) = e else {
                add("dict_type", key, "Input should be a valid dictionary", e, extra: [.index(i)]); continue
            }
            for (k, val) in o where val.stringValue == nil {
                add("string_type", key, "Input should be a valid string", val, extra: [.index(i), .key(k)])
            }
            out.append(o)
        }
        return issues.count == before ? out : nil
    }
}
