import MCP

/// Small builders for the tools' JSON Schemas (draft 2020-12 subset MCP clients read).
enum MCPSchema {
    typealias Property = (name: String, schema: Value)

    static func object(_ properties: [Property], required: [String] = []) -> Value {
        var props: [String: Value] = [:]
        for p in properties { props[p.name] = p.schema }
        var o: [String: Value] = ["type": "object", "properties": .object(props)]
        if !required.isEmpty { o["required"] = .array(required.map { .string($0) }) }
        return .object(o)
    }

    static func string(_ description: String, minLength: Int? = nil, maxLength: Int? = nil,
                       oneOf allowed: [String]? = nil, default def: String? = nil) -> Value {
        var o: [String: Value] = ["type": "string", "description": .string(description)]
        if let minLength { o["minLength"] = .int(minLength) }
        if let maxLength { o["maxLength"] = .int(maxLength) }
        if let allowed { o["enum"] = .array(allowed.map { .string($0) }) }
        if let def { o["default"] = .string(def) }
        return .object(o)
    }

    static func integer(_ description: String, minimum: Int? = nil, maximum: Int? = nil, default def: Int? = nil) -> Value {
        var o: [String: Value] = ["type": "integer", "description": .string(description)]
        if let minimum { o["minimum"] = .int(minimum) }
        if let maximum { o["maximum"] = .int(maximum) }
        if let def { o["default"] = .int(def) }
        return .object(o)
    }

    static func number(_ description: String, minimum: Double? = nil, maximum: Double? = nil, default def: Double? = nil) -> Value {
        var o: [String: Value] = ["type": "number", "description": .string(description)]
        if let minimum { o["minimum"] = .double(minimum) }
        if let maximum { o["maximum"] = .double(maximum) }
        if let def { o["default"] = .double(def) }
        return .object(o)
    }

    static func boolean(_ description: String) -> Value {
        .object(["type": "boolean", "description": .string(description)])
    }

    static func strings(_ description: String, oneOf allowed: [String]? = nil) -> Value {
        var items: [String: Value] = ["type": "string"]
        if let allowed { items["enum"] = .array(allowed.map { .string($0) }) }
        return .object(["type": "array", "items": .object(items), "description": .string(description)])
    }

    static func freeObject(_ description: String) -> Value {
        .object(["type": "object", "description": .string(description), "additionalProperties": true])
    }

    static func objects(_ description: String) -> Value {
        .object(["type": "array", "items": .object(["type": "object"]), "description": .string(description)])
    }

    // Fields several tools share, described once.
    static let namespace: Property = ("namespace", string(
        "Namespace (a separate memory space inside the project, e.g. one per task or app). Default \"default\".",
        maxLength: 64, default: "default"))
    static let userId: Property = ("user_id", string("Optional end-user id the memory belongs to; reads then match only that user.", maxLength: 64))
    static let memoryId: Property = ("memory_id", string("Id of the memory (as returned by add_memory or a query).", minLength: 1))
    static let topK: Property = ("top_k", integer("How many memories to return at most.", minimum: 1, maximum: 100, default: 10))
    static let minScore: Property = ("min_score", number(
        "Only return memories whose similarity (0 to 1, higher is closer) is at least this.", minimum: 0, maximum: 1, default: 0))
    static let scopes = ["agent-private", "agent-shared", "global"]
}
