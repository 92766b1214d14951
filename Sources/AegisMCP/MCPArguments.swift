import AegisCore
import AegisEngine
import AegisWire
import MCP

/// Tool arguments: a flat object of the REST body's fields, or the original Aegis MCP
/// server's `{"input_data": {...}}` wrapper around it.
enum MCPArguments {
    static func unwrap(_ arguments: [String: Value]?) throws(EngineError) -> JSONValue {
        guard let arguments else { return .object(JSONObject()) }
        if arguments.count == 1, let inner = arguments["input_data"] {
            guard case .object = inner else {
                throw EngineError.validation([ValidationIssue(
                    type: "model_attributes_type", loc: [.key("input_data")],
                    msg: "Input should be a valid dictionary or object to extract fields from",
                    inputJSON: JSONWriter.encode(MCPValueBridge.json(inner)))])
            }
            return MCPValueBridge.json(inner)
        }
        return MCPValueBridge.json(.object(arguments))
    }

    /// A reader over the arguments for fields REST takes from the path or query string.
    static func reader(_ a: JSONValue) -> FieldReader {
        FieldReader(a.objectValue ?? JSONObject(), loc: [])
    }

    /// `memory_id` (the path parameter of the REST route).
    static func memoryId(_ a: JSONValue) throws(EngineError) -> String {
        var r = reader(a)
        let id = r.requiredString("memory_id", min: 1)
        if !r.issues.isEmpty { throw EngineError.validation(r.issues) }
        return id
    }
}
