import AegisCore
import AegisEngine

extension FieldReader {
    // MARK: integers (Pydantic lax: "5" and 5.0 accepted, 5.5 rejected)

    public mutating func optionalInt(_ key: String, ge: Int? = nil, le: Int? = nil) -> Int? {
        guard let v = object[key], !v.isNull else { return nil }
        return checkInt(key, v, ge: ge, le: le)
    }

    /// `int = default`: null → `int_type`.
    public mutating func defaultedInt(_ key: String, default def: Int, ge: Int? = nil, le: Int? = nil) -> Int {
        guard let v = object[key] else { return def }
        return checkInt(key, v, ge: ge, le: le) ?? def
    }

    mutating func checkInt(_ key: String, _ v: JSONValue, ge: Int?, le: Int?) -> Int? {
        let n: Int
        switch FieldReader.coerceInt(v) {
        case .success(let x): n = x
        case .failure(let e): add(e.type, key, e.msg, v); return nil
        }
        if let ge, n < ge {
            add("greater_than_equal", key, "Input should be greater than or equal to \(ge)", v, ctx: [("ge", String(ge))]); return nil
        }
        if let le, n > le {
            add("less_than_equal", key, "Input should be less than or equal to \(le)", v, ctx: [("le", String(le))]); return nil
        }
        return n
    }

    struct Coercion: Error { var type: String; var msg: String }

    static func coerceInt(_ v: JSONValue) -> Result<Int, Coercion> {
        switch v {
        case .int(let i):
            guard let x = Int(exactly: i) else { return .failure(Coercion(type: "int_type", msg: "Input should be a valid integer")) }
            return .success(x)
        case .double(let d):
            guard d.isFinite else { return .failure(Coercion(type: "finite_number", msg: "Input should be a finite number")) }
            guard d == d.rounded() else {
                return .failure(Coercion(type: "int_from_float", msg: "Input should be a valid integer, got a number with a fractional part"))
            }
            guard let x = Int(exactly: d) else { return .failure(Coercion(type: "int_parsing_size", msg: "Unable to parse input string as an integer, exceeded maximum size")) }
            return .success(x)
        case .bool(let b): return .success(b ? 1 : 0)
        case .string(let s):
            let t = s.trimmingASCIIWhitespace
            if let x = Int(t) { return .success(x) }
            if let d = Double(t), d.isFinite, d == d.rounded(), let x = Int(exactly: d) { return .success(x) }
            return .failure(Coercion(type: "int_parsing", msg: "Input should be a valid integer, unable to parse string as an integer"))
        default:
            return .failure(Coercion(type: "int_type", msg: "Input should be a valid integer"))
        }
    }

    // MARK: floats

    /// `float = default` with bounds; bounds are printed the way pydantic-core prints them
    /// (`1.0` → `1`, `-1.0` → `-1`).
    public mutating func defaultedDouble(_ key: String, default def: Double, ge: Double? = nil, le: Double? = nil) -> Double {
        guard let v = object[key] else { return def }
        let d: Double
        switch FieldReader.coerceDouble(v) {
        case .success(let x): d = x
        case .failure(let e): add(e.type, key, e.msg, v); return def
        }
        if let ge, d < ge {
            add("greater_than_equal", key, "Input should be greater than or equal to \(FieldReader.rustNumber(ge))", v,
                ctx: [("ge", JSONWriter.pythonFloat(ge))]); return def
        }
        if let le, d > le {
            add("less_than_equal", key, "Input should be less than or equal to \(FieldReader.rustNumber(le))", v,
                ctx: [("le", JSONWriter.pythonFloat(le))]); return def
        }
        return d
    }

    static func coerceDouble(_ v: JSONValue) -> Result<Double, Coercion> {
        switch v {
        case .int(let i): return .success(Double(i))
        case .double(let d): return .success(d)
        case .bool(let b): return .success(b ? 1 : 0)
        case .string(let s):
            if let d = Double(s.trimmingASCIIWhitespace) { return .success(d) }
            return .failure(Coercion(type: "float_parsing", msg: "Input should be a valid number, unable to parse string as a number"))
        default: return .failure(Coercion(type: "float_type", msg: "Input should be a valid number"))
        }
    }

    /// Rust `{}` formatting of an f64 (what pydantic-core uses in messages).
    static func rustNumber(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String(d)
    }

    // MARK: booleans

    public mutating func optionalBool(_ key: String) -> Bool? {
        guard let v = object[key], !v.isNull else { return nil }
        return checkBool(key, v)
    }

    public mutating func defaultedBool(_ key: String, default def: Bool) -> Bool {
        guard let v = object[key] else { return def }
        return checkBool(key, v) ?? def
    }

    mutating func checkBool(_ key: String, _ v: JSONValue) -> Bool? {
        switch v {
        case .bool(let b): return b
        case .int(0): return false
        case .int(1): return true
        case .double(let d) where d == 0 || d == 1: return d == 1
        case .string(let s):
            switch s.lowercased() {
            case "true", "t", "yes", "y", "on", "1": return true
            case "false", "f", "no", "n", "off", "0": return false
            default: break
            }
            add("bool_parsing", key, "Input should be a valid boolean, unable to interpret input", v); return nil
        case .int, .double:
            add("bool_parsing", key, "Input should be a valid boolean, unable to interpret input", v); return nil
        default:
            add("bool_type", key, "Input should be a valid boolean", v); return nil
        }
    }
}

extension String {
    package var trimmingASCIIWhitespace: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
