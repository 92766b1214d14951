import AegisCore
import Foundation
import MCP

/// MCP SDK `Value` ↔ the engine's `JSONValue`. Tool arguments arrive as SDK values; results are
/// written by the REST encoders (AegisWire) and handed to the SDK as values plus their text.
enum MCPValueBridge {
    static func json(_ v: Value) -> JSONValue {
        switch v {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(Int64(i))
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .data(let mime, let d): return .string("data:\(mime ?? "application/octet-stream");base64,\(d.base64EncodedString())")
        case .array(let a): return .array(a.map(json))
        case .object(let o):
            var out = JSONObject()
            for k in o.keys.sorted() { out[k] = json(o[k]!) }
            return .object(out)
        }
    }

    /// Parses JSON bytes written by `JSONWriter` into an SDK value.
    static func value(jsonBytes: [UInt8]) -> Value {
        (try? JSONDecoder().decode(Value.self, from: Data(jsonBytes))) ?? .null
    }
}
