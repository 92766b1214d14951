import AegisCore
import AegisStorage

/// One length-checked text column of an imported ACE row: its column name, its value (nil =
/// NULL, not checked) and its bounds in code points (`Validator.string`).
struct ImportColumn {
    var name: String
    var value: String?
    var min: Int?
    var max: Int
    init(_ name: String, _ value: String?, min: Int? = nil, max: Int) {
        self.name = name; self.value = value; self.min = min; self.max = max
    }
}

/// A `session_progress` or `feature_tracker` row as `AegisEngine.importRows` restores it:
/// checked column by column, skipped when its key is taken, stored as it is otherwise.
protocol ImportedACERow: Sendable {
    /// The source table (the root of validation issue locations).
    static var table: String { get }
    var id: String { get }
    /// How a failure names the row ("session S", "feature F").
    var importName: String { get }
    /// The row's identity inside a project (a second row with it is skipped).
    var importKey: String { get }
    var textColumns: [ImportColumn] { get }
    /// Checks beyond the text columns (none by default).
    func checkOther(_ v: inout Validator)
    /// Id of the stored row holding `importKey` in `project`, if any.
    func existingId(in tables: any TableView, project: String) -> String?
    /// The event that stores this row in `project`.
    func event(project: String) -> StoreEvent
}

extension ImportedACERow {
    func checkOther(_ v: inout Validator) {}

    /// Every issue of the row ("<importName>: issue; issue"), nil when it is valid.
    var importProblem: String? {
        var v = Validator(root: [.key(Self.table)])
        for c in textColumns { v.string(c.value, [.key(c.name)], min: c.min, max: c.max) }
        checkOther(&v)
        return v.issues.isEmpty ? nil : "\(importName): " + v.issues.map(\.description).joined(separator: "; ")
    }
}

extension SessionProgress: ImportedACERow {
    static var table: String { "session_progress" }
    var importName: String { "session \(sessionId)" }
    var importKey: String { sessionId }
    var textColumns: [ImportColumn] {
        [.init("id", id, min: 1, max: 32), .init("session_id", sessionId, min: 1, max: 64),
         .init("agent_id", agentId, max: 64), .init("user_id", userId, max: 64), .init("namespace", namespace, max: 64),
         .init("in_progress_item", inProgressItem, max: 256), .init("status", status.rawValue, min: 1, max: 16)]
    }
    func checkOther(_ v: inout Validator) {
        if totalItems < 0 || completedCount < 0 { v.add([.key("total_items")], "value_error", "counters must be ≥ 0", nil) }
    }
    func existingId(in tables: any TableView, project: String) -> String? {
        tables.session(projectId: project, sessionId: sessionId)?.id
    }
    func event(project: String) -> StoreEvent {
        var row = self
        row.projectId = project
        return .sessionCreate(row)
    }
}

extension FeatureRecord: ImportedACERow {
    static var table: String { "feature_tracker" }
    var importName: String { "feature \(featureId)" }
    var importKey: String { namespace + "\u{0}" + featureId }
    var textColumns: [ImportColumn] {
        [.init("id", id, min: 1, max: 32), .init("feature_id", featureId, min: 1, max: 128),
         .init("session_id", sessionId, max: 64), .init("namespace", namespace, max: 64), .init("category", category, max: 64),
         .init("status", status.rawValue, min: 1, max: 16), .init("implemented_by", implementedBy, max: 64),
         .init("verified_by", verifiedBy, max: 64)]
    }
    func existingId(in tables: any TableView, project: String) -> String? {
        tables.feature(projectId: project, namespace: namespace, featureId: featureId)?.id
    }
    func event(project: String) -> StoreEvent {
        var row = self
        row.projectId = project
        return .featureCreate(row)
    }
}
