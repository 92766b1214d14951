/// A JSON value with the distinctions the wire and the disk need: integers stay integers,
/// `1.0` stays a double, object keys keep their insertion order (like a Python dict).
///
/// Equality is structural *including key order* (two objects with the same pairs in another
/// order are not equal); use `JSONObject.sameEntries(_:)` for order-insensitive comparison.
public indirect enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The empty object `{}` (the default for metadata and coordination metadata).
    public static let emptyObject = JSONValue.object(JSONObject())

    public var objectValue: JSONObject? { if case .object(let o) = self { return o }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }
    /// Integer or double as Double.
    public var numberValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }
}

/// An ordered JSON object. Setting an existing key replaces its value in place (keeps its
/// position); setting a new key appends it; removing drops it. Keys are unique.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []

    public init() {}
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (k, v) in elements { self[k] = v }
    }
    /// Builds an object from pairs; a repeated key keeps its first position and last value.
    public init<S: Sequence>(_ pairs: S) where S.Element == (String, JSONValue) {
        for (k, v) in pairs { self[k] = v }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public func index(of key: String) -> Int? { keys.firstIndex(of: key) }

    public subscript(key: String) -> JSONValue? {
        get { index(of: key).map { values[$0] } }
        set {
            if let i = index(of: key) {
                if let v = newValue { values[i] = v } else { keys.remove(at: i); values.remove(at: i) }
            } else if let v = newValue {
                keys.append(key); values.append(v)
            }
        }
    }

    /// Shallow merge: each key of `patch` overwrites (or is appended to) this object.
    public mutating func merge(_ patch: JSONObject) {
        for (k, v) in patch { self[k] = v }
    }

    /// Order-insensitive equality (Python dict semantics), recursive only at this level.
    public func sameEntries(_ other: JSONObject) -> Bool {
        guard count == other.count else { return false }
        for (k, v) in self { guard other[k] == v else { return false } }
        return true
    }

    public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
        var i = 0
        return AnyIterator {
            guard i < keys.count else { return nil }
            defer { i += 1 }
            return (keys[i], values[i])
        }
    }
}
