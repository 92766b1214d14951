import Testing
import AegisCore
@testable import AegisExport

/// Column-level validation of imported v1.2 rows: list columns name the column and element.
@Suite struct ImportedRowsTests {
    func session(_ extra: JSONObject) -> JSONObject {
        var o: JSONObject = ["id": .string("a1"), "project_id": .string("p"), "session_id": .string("s1"),
                             "created_at": .string("2026-01-02T03:04:05Z")]
        for (k, v) in extra { o[k] = v }
        return o
    }

    func message(_ o: JSONObject) -> String? {
        do { _ = try ImportedRows.session(o); return nil } catch { return error.description }
    }

    @Test func listColumnsAcceptArraysNullsAndAbsence() throws {
        let s = try ImportedRows.session(session(["completed_items": .array([.string("x"), .string("y")]),
                                                  "next_items": .null,
                                                  "blocked_items": .array([.object(["item": .string("z")])])]))
        #expect(s.completedItems == ["x", "y"] && s.nextItems == [] && s.blockedItems.count == 1)
    }

    @Test func wrongElementsAndShapesNameTheColumn() {
        let a = message(session(["completed_items": .array([.string("x"), .int(3)])]))
        #expect(a?.contains("completed_items.1") == true && a?.contains("must be a string") == true, "\(a ?? "no error")")
        let b = message(session(["next_items": .string("x")]))
        #expect(b?.contains("next_items") == true && b?.contains("must be a JSON array of strings") == true, "\(b ?? "no error")")
        let c = message(session(["blocked_items": .array([.string("x")])]))
        #expect(c?.contains("blocked_items.0") == true && c?.contains("must be a JSON object") == true, "\(c ?? "no error")")
        let d = message(session(["blocked_items": .int(1)]))
        #expect(d?.contains("must be a JSON array of objects") == true, "\(d ?? "no error")")
    }
}
