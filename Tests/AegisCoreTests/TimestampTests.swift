import Testing
@testable import AegisCore

@Test func formatsLikeFastAPI() {
    let t = Timestamp(microseconds: 1_709_211_907_123_456)
    #expect(t.iso8601() == "2024-02-29T13:05:07.123456Z")
    #expect(t.iso8601(zone: .offset) == "2024-02-29T13:05:07.123456+00:00")
    #expect(t.iso8601(fraction: .millis) == "2024-02-29T13:05:07.123Z")
    #expect(t.truncatedToSeconds.iso8601() == "2024-02-29T13:05:07Z")
    #expect(Timestamp(microseconds: 0).iso8601() == "1970-01-01T00:00:00Z")
    #expect(Timestamp(microseconds: -1).iso8601() == "1969-12-31T23:59:59.999999Z")
}

@Test(arguments: [
    ("2024-02-29T13:05:07.123456Z", Int64(1_709_211_907_123_456)),
    ("2024-02-29T13:05:07.123456+00:00", 1_709_211_907_123_456),
    ("2024-02-29T15:05:07.123+02:00", 1_709_211_907_123_000),
    ("2024-02-29 13:05:07", 1_709_211_907_000_000),
    ("2024-02-29T13:05:07.123456789Z", 1_709_211_907_123_456),
    ("2024-02-29", 1_709_164_800_000_000),
])
func parsesISO8601(text: String, micros: Int64) {
    #expect(Timestamp(iso8601: text)?.microseconds == micros)
}

@Test(arguments: ["", "2024-13-01", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:00:00.Z",
                  "2024-01-01T00:00:00.1234567890Z", "2024-01-01T00:00:00+0", "2024-01-01T00:00:00Zjunk"])
func rejectsMalformed(text: String) {
    #expect(Timestamp(iso8601: text) == nil)
}

@Test func roundTripsRandomInstants() {
    var g = SystemRandomNumberGenerator()
    for _ in 0..<2000 {
        let t = Timestamp(microseconds: Int64.random(in: -5_000_000_000_000_000...5_000_000_000_000_000, using: &g))
        #expect(Timestamp(iso8601: t.iso8601()) == t)
    }
}

@Test func effectivenessAndProgress() {
    #expect(Memory.effectiveness(helpful: 1, harmful: 0) == 0.5)
    #expect(Memory.effectiveness(helpful: 1, harmful: 1) == 0.0)
    #expect(Memory.effectiveness(helpful: 0, harmful: 0) == 0.0)
    let s = SessionProgress(id: "x", projectId: "p", sessionId: "s", completedItems: ["a", "b"], totalItems: 3,
                            createdAt: Timestamp(seconds: 0))
    #expect(s.progressPercent == 66.7)
    #expect(SessionProgress(id: "x", projectId: "p", sessionId: "s", completedItems: ["a"], createdAt: .now()).effectiveTotalItems == 1)
}

@Test func jsonObjectKeepsOrderAndMerges() {
    var o: JSONObject = ["b": .int(1), "a": .string("x")]
    o["b"] = .double(1.0)
    o["c"] = .null
    #expect(o.keys == ["b", "a", "c"])
    o.merge(["a": .bool(true), "d": .array([])])
    #expect(o.keys == ["b", "a", "c", "d"])
    #expect(o["a"] == .bool(true))
    o["c"] = nil
    #expect(o.keys == ["b", "a", "d"])
    #expect(o.sameEntries(["d": .array([]), "a": .bool(true), "b": .double(1.0)]))
    #expect(JSONValue.int(1) != JSONValue.double(1))
}
