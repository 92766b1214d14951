#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AegisCore
import AegisStorage

/// Session progress rules (§5.7, §5.8 with §14.19 fixed). Pure functions over the record.
public enum SessionRules {
    /// The checks of `patchSession` that need no stored state (422 issues), so a caller that
    /// creates the session first (MCP's `update_session`) can refuse a bad patch before writing.
    public static func validate(_ request: PatchSessionRequest) throws {
        var v = Validator(.key("body"))
        v.string(request.inProgressItem, [.key("in_progress_item")], max: 256)
        v.literal(request.status, [.key("status")], SessionStatus.known.map(\.rawValue))
        v.int(request.totalItems, [.key("total_items")], min: 0, max: 1_000_000_000)
        for (i, obj) in (request.blockedItems ?? []).enumerated() {
            for (k, val) in obj where val.stringValue == nil {
                v.add([.key("blocked_items"), .index(i), .key(k)], "string_type", "Input should be a valid string", nil)
            }
        }
        try v.check()
    }

    /// Applies a PATCH to `s` at time `now` (validation done beforehand):
    /// - completed items: ordered union (existing order kept, new ones appended in request
    ///   order, repeats skipped); completing the in-progress item clears it;
    /// - `in_progress_item == ""` clears it;
    /// - `completed_count` is always recomputed.
    public static func apply(_ p: PatchSessionRequest, to s: inout SessionProgress, now: Timestamp) {
        if let nextItems = p.nextItems { s.nextItems = nextItems }
        if let blocked = p.blockedItems { s.blockedItems = blocked }
        if let ip = p.inProgressItem { s.inProgressItem = ip.isEmpty ? nil : ip }
        if let items = p.completedItems {
            var seen = Set(s.completedItems)
            for item in items where !seen.contains(item) {
                seen.insert(item)
                s.completedItems.append(item)
            }
            // Completing the item in progress clears it — unless this same patch sets it.
            if p.inProgressItem == nil, let ip = s.inProgressItem, items.contains(ip) { s.inProgressItem = nil }
        }
        if let summary = p.summary { s.summary = summary }
        if let lastAction = p.lastAction { s.lastAction = lastAction }
        if let status = p.status { s.status = SessionStatus(rawValue: status) }
        if let total = p.totalItems { s.totalItems = Int64(total) }
        s.completedCount = Int64(s.completedItems.count)
        s.updatedAt = now
    }

    /// The store event that takes the stored session to `s` (the result of `apply`): every
    /// field a PATCH may change. The store's completed-items union then keeps `s.completedItems`
    /// as it is (it extends the stored list), and the row stays under the project's write lock
    /// from read to commit.
    public static func patch(to s: SessionProgress) -> SessionPatch {
        SessionPatch(projectId: s.projectId, sessionId: s.sessionId, updatedAt: s.updatedAt, completedItems: s.completedItems,
                     inProgressItem: .some(s.inProgressItem), nextItems: s.nextItems, blockedItems: s.blockedItems,
                     summary: .some(s.summary), lastAction: .some(s.lastAction), status: s.status, totalItems: s.totalItems)
    }

    /// `total_items` as reported: never below the completed count, so progress ≤ 100 %.
    public static func reportedTotal(_ s: SessionProgress) -> Int {
        max(Int(s.totalItems), s.completedItems.count)
    }

    /// `round(completed / total * 100, 1)`, 0 when total is 0; never above 100.
    public static func progressPercent(_ s: SessionProgress) -> Double {
        let total = reportedTotal(s)
        guard total > 0 else { return 0 }
        let raw = Double(s.completedItems.count) / Double(total) * 100
        return min(100, pythonRound(raw, digits: 1))
    }

    public static func out(_ s: SessionProgress) -> SessionOut {
        SessionOut(id: s.id, sessionId: s.sessionId, status: s.status.rawValue, completedCount: s.completedItems.count,
                   totalItems: reportedTotal(s), progressPercent: progressPercent(s), completedItems: s.completedItems,
                   inProgressItem: s.inProgressItem, nextItems: s.nextItems, blockedItems: s.blockedItems,
                   summary: s.summary, lastAction: s.lastAction, updatedAt: s.updatedAt, agentId: s.agentId,
                   userId: s.userId, namespace: s.namespace, createdAt: s.createdAt, storedTotalItems: Int(s.totalItems))
    }

    public static func dashboardRow(_ s: SessionProgress) -> DashboardSessionRow {
        DashboardSessionRow(id: s.id, sessionId: s.sessionId, agentId: s.agentId, userId: s.userId,
                            namespace: s.namespace, completedItems: s.completedItems, inProgressItem: s.inProgressItem,
                            nextItems: s.nextItems, blockedItems: s.blockedItems, status: s.status.rawValue,
                            summary: s.summary, lastAction: s.lastAction, totalItems: reportedTotal(s),
                            completedCount: s.completedItems.count, createdAt: s.createdAt, updatedAt: s.updatedAt,
                            progressPercent: progressPercent(s))
    }
}

/// Feature tracker rules (§5.11 with §14.20 fixed): `passes == (status == "complete")`.
public enum FeatureRules {
    /// The checks of `patchFeature` that need no stored state (422 issues; see `SessionRules.validate`).
    public static func validate(_ request: PatchFeatureRequest) throws {
        var v = Validator(.key("body"))
        v.literal(request.status, [.key("status")], FeatureStatus.known.map(\.rawValue))
        v.string(request.implementedBy, [.key("implemented_by")], max: 64)
        v.string(request.verifiedBy, [.key("verified_by")], max: 64)
        try v.check()
        if let issue = contradiction(request) { throw EngineError.validation([issue]) }
    }

    /// Returns the 422 issue when `status` and `passes` contradict each other.
    public static func contradiction(_ p: PatchFeatureRequest) -> ValidationIssue? {
        guard let st = p.status, let passes = p.passes else { return nil }
        if (st == FeatureStatus.complete.rawValue) != passes {
            return ValidationIssue(type: "value_error", loc: [.key("body"), .key("passes")],
                                   msg: "Value error, passes must be \(st == "complete" ? "true" : "false") when status is '\(st)'",
                                   inputJSON: passes ? "true" : "false", ctx: [("error", "{}")])
        }
        return nil
    }

    public static func apply(_ p: PatchFeatureRequest, to f: inout FeatureRecord, now: Timestamp) {
        if let v = p.implementedBy { f.implementedBy = v }
        if let v = p.verifiedBy { f.verifiedBy = v }
        if let v = p.implementationNotes { f.implementationNotes = v }
        if let v = p.failureReason { f.failureReason = v }
        switch (p.status, p.passes) {
        case (let st?, _):
            f.status = FeatureStatus(rawValue: st)
            f.passes = (f.status == .complete)
        case (nil, let passes?):
            f.passes = passes
            if passes { f.status = .complete } else if f.status == .complete { f.status = .failed }
        case (nil, nil):
            break
        }
        if f.passes {
            if f.completedAt == nil { f.completedAt = now }
        } else {
            f.completedAt = nil
        }
        f.updatedAt = now
    }

    /// The store event that takes the stored feature to `f` (the result of `apply`): every
    /// field a PATCH may change.
    public static func patch(to f: FeatureRecord) -> FeaturePatch {
        FeaturePatch(projectId: f.projectId, namespace: f.namespace, featureId: f.featureId, updatedAt: f.updatedAt,
                     status: f.status, passes: f.passes, implementedBy: .some(f.implementedBy), verifiedBy: .some(f.verifiedBy),
                     implementationNotes: .some(f.implementationNotes), failureReason: .some(f.failureReason),
                     completedAt: .some(f.completedAt))
    }

    public static func out(_ f: FeatureRecord) -> FeatureOut {
        FeatureOut(id: f.id, featureId: f.featureId, description: f.description, category: f.category,
                   status: f.status.rawValue, passes: f.passes, testSteps: f.testSteps, implementedBy: f.implementedBy,
                   verifiedBy: f.verifiedBy, updatedAt: f.updatedAt, sessionId: f.sessionId, namespace: f.namespace,
                   implementationNotes: f.implementationNotes, failureReason: f.failureReason, createdAt: f.createdAt,
                   completedAt: f.completedAt)
    }

    public static func list(_ features: [FeatureRecord]) -> FeatureListResponse {
        FeatureListResponse(features: features.map(out), total: features.count,
                            passing: features.filter { $0.passes }.count,
                            failing: features.filter { $0.status == .failed }.count,
                            inProgress: features.filter { $0.status == .inProgress }.count)
    }
}

/// Python's `round(x, n)`: the exact binary value rounded half-even to n decimals. glibc's
/// `%.*f` performs exactly that conversion, so we format and parse back.
public func pythonRound(_ x: Double, digits: Int) -> Double {
    guard x.isFinite else { return x }
    var buf = [CChar](repeating: 0, count: 512)
    let n = withVaList([Int32(digits), x]) { vsnprintf(&buf, buf.count, "%.*f", $0) }
    guard n > 0, n < buf.count else { return x }
    let text = String(decoding: buf.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    return Double(text) ?? x
}
