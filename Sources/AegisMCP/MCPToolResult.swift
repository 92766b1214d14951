import AegisCore
import AegisEngine
import AegisWire
import MCP

/// Tool results: the JSON the REST route would answer, as structured content and as text; errors
/// as `isError` results whose text names the argument at fault (docs/mcp.md, "Errors").
enum MCPToolResult {
    static func success(_ json: [UInt8]) -> CallTool.Result {
        CallTool.Result(content: [.text(text: String(decoding: json, as: UTF8.self), annotations: nil, _meta: nil)],
                        structuredContent: Optional(MCPValueBridge.value(jsonBytes: json)), isError: false)
    }

    static func failure(_ error: Error) -> CallTool.Result {
        let (code, message, issues) = describe(error)
        var w = JSONWriter(capacity: 256)
        w.beginObject(); w.key("error"); w.beginObject()
        w.key("code"); w.string(code)
        w.key("message"); w.string(message)
        if !issues.isEmpty {
            w.key("detail"); w.beginArray()
            for i in issues {
                w.beginObject()
                w.key("field"); w.string(field(i.loc))
                w.key("type"); w.string(i.type)
                w.key("msg"); w.string(i.msg)
                w.endObject()
            }
            w.endArray()
        }
        w.endObject(); w.endObject()
        return CallTool.Result(content: [.text(text: message, annotations: nil, _meta: nil)], structuredContent: Optional(MCPValueBridge.value(jsonBytes: w.bytes)),
                               isError: true)
    }

    static func describe(_ error: Error) -> (code: String, message: String, issues: [ValidationIssue]) {
        switch error {
        case let e as EngineError where e.code == .validation:
            let parts = e.issues.map { "argument '\(field($0.loc))': \($0.msg)" }
            return ("invalid_arguments", "Invalid arguments: " + parts.joined(separator: "; "), e.issues)
        case let e as EngineError where e.code == .internalError:
            return ("internal_error", "Internal error", [])
        case let e as EngineError:
            return (e.code.rawValue, e.message, [])
        case let e as EmbeddingError:
            return ("unavailable", "Embedding service unavailable: \(e.code.rawValue)", [])
        default:
            return ("internal_error", "Internal error", [])
        }
    }

    /// `["body", "items", 0, "content"]` → `items[0].content`; the root is `arguments`.
    static func field(_ loc: [LocElement]) -> String {
        var out = ""
        for (i, l) in loc.enumerated() {
            switch l {
            case .key("body") where i == 0: continue
            case .key(let k): out += out.isEmpty ? k : "." + k
            case .index(let n): out += "[\(n)]"
            }
        }
        return out.isEmpty ? "arguments" : out
    }
}
