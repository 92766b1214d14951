import AegisCore

/// Decoding of `vote_history`, `session_progress` and `feature_tracker` rows (one JSON object
/// per row, keys = column names, as `PostgresDumpReader` builds them from COPY text) into the
/// engine's row types, for the ORM schema of v1.2 and the migration schema (001+002):
/// - session `completed_count` absent (migration schema) → the number of `completed_items`;
/// - feature `completed_at` absent → null; nullable migration-schema columns (`passes`,
///   `total_items`, json lists) → the ORM defaults (false, 0, []);
/// - `blocked_items` elements must be objects (v1.2 `List[Dict[str, str]]`).
/// Errors name the column; the caller adds the row index and offset.
public enum ImportedRows {
    struct Row {
        let o: JSONObject
        func bad(_ field: String, _ msg: String) -> ExportError { ExportError(.invalidRecord, msg, field: field) }

        func string(_ k: String, required: Bool = false) throws(ExportError) -> String? {
            switch o[k] {
            case nil, .null?:
                if required { throw bad(k, "column missing or null") }
                return nil
            case .string(let s)?: return s
            default: throw bad(k, "must be text")
            }
        }
        func required(_ k: String) throws(ExportError) -> String { try string(k, required: true)! }
        func timestamp(_ k: String, required: Bool = false) throws(ExportError) -> Timestamp? {
            guard let s = try string(k, required: required) else { return nil }
            guard let t = Timestamp(iso8601: s) else { throw bad(k, "not a timestamp: \(s.prefix(40))") }
            return t
        }
        func int(_ k: String) throws(ExportError) -> Int64? {
            switch o[k] {
            case nil, .null?: return nil
            case .int(let i)?: return i
            default: throw bad(k, "must be an integer")
            }
        }
        func bool(_ k: String) -> Bool? { o[k]?.boolValue }
        func strings(_ k: String) throws(ExportError) -> [String] {
            try array(k, element: "string", plural: "strings") { if case .string(let s) = $0 { s } else { nil } }
        }
        func objects(_ k: String) throws(ExportError) -> [JSONObject] {
            try array(k, element: "JSON object", plural: "objects") { if case .object(let x) = $0 { x } else { nil } }
        }
        /// A JSON array whose every element `pick` accepts (null or absent = empty).
        private func array<T>(_ k: String, element: String, plural: String, _ pick: (JSONValue) -> T?) throws(ExportError) -> [T] {
            switch o[k] {
            case nil, .null?: return []
            case .array(let a)?:
                var out: [T] = []
                out.reserveCapacity(a.count)
                for (i, e) in a.enumerated() {
                    guard let x = pick(e) else { throw bad("\(k).\(i)", "must be a \(element)") }
                    out.append(x)
                }
                return out
            default: throw bad(k, "must be a JSON array of \(plural)")
            }
        }
    }

    public static func vote(_ o: JSONObject) throws(ExportError) -> Vote {
        let r = Row(o: o)
        let kind = try r.required("vote")
        guard let v = VoteKind(rawValue: kind) else { throw r.bad("vote", "must be helpful or harmful, not \(kind.prefix(20))") }
        return Vote(id: try r.required("id"), memoryId: try r.required("memory_id"), projectId: try r.required("project_id"),
                    voterAgentId: try r.required("voter_agent_id"), vote: v, context: try r.string("context"),
                    taskId: try r.string("task_id"), createdAt: try r.timestamp("created_at", required: true)!)
    }

    public static func session(_ o: JSONObject) throws(ExportError) -> SessionProgress {
        let r = Row(o: o)
        let created = try r.timestamp("created_at", required: true)!
        var s = SessionProgress(id: try r.required("id"), projectId: try r.required("project_id"),
                                sessionId: try r.required("session_id"), createdAt: created)
        s.agentId = try r.string("agent_id")
        s.userId = try r.string("user_id")
        s.namespace = try r.string("namespace") ?? "default"
        s.completedItems = try r.strings("completed_items")
        s.inProgressItem = try r.string("in_progress_item")
        s.nextItems = try r.strings("next_items")
        s.blockedItems = try r.objects("blocked_items")
        s.status = SessionStatus(rawValue: try r.string("status") ?? "active")
        s.summary = try r.string("summary")
        s.lastAction = try r.string("last_action")
        s.totalItems = try r.int("total_items") ?? 0
        s.completedCount = try r.int("completed_count") ?? Int64(s.completedItems.count)
        s.updatedAt = try r.timestamp("updated_at") ?? created
        return s
    }

    public static func feature(_ o: JSONObject) throws(ExportError) -> FeatureRecord {
        let r = Row(o: o)
        let created = try r.timestamp("created_at", required: true)!
        var f = FeatureRecord(id: try r.required("id"), projectId: try r.required("project_id"),
                              featureId: try r.required("feature_id"), description: try r.required("description"),
                              createdAt: created)
        f.sessionId = try r.string("session_id")
        f.namespace = try r.string("namespace") ?? "default"
        f.category = try r.string("category")
        f.testSteps = try r.strings("test_steps")
        f.status = FeatureStatus(rawValue: try r.string("status") ?? "not_started")
        f.passes = r.bool("passes") ?? false
        f.implementedBy = try r.string("implemented_by")
        f.verifiedBy = try r.string("verified_by")
        f.implementationNotes = try r.string("implementation_notes")
        f.failureReason = try r.string("failure_reason")
        f.updatedAt = try r.timestamp("updated_at") ?? created
        f.completedAt = try r.timestamp("completed_at")
        return f
    }
}
