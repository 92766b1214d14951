import AegisCore
@testable import AegisStorage
import Testing

/// Packed rows (docs/engine.md, "Compact rows"): what goes in comes out, votes change only the
/// entry, a copy (a snapshot image) keeps seeing the rows it captured, and rewriting a wasteful
/// arena changes no row.
@Suite struct PackedRowsTests {
    func sampleRows(_ n: Int) -> [MemoryRow] {
        var fx = Fixture()
        return (0..<n).map { i in
            var m = fx.memory(agent: i % 3 == 0 ? nil : "agent-\(i % 5)", namespace: i % 2 == 0 ? "default" : "ns-\(i % 7)")
            m.metadata = ["i": .int(Int64(i)), "tag": .string(String(repeating: "x", count: i % 40))]
            m.content = "content \(i) " + String(repeating: "é", count: i % 13)
            m.sharedWithAgents = i % 4 == 0 ? ["a", "b"] : []
            m.bulletHelpful = Int64(i % 3)
            return MemoryRow(m, hash: HashKey(a: UInt64(i), b: 1, c: 2, d: 3), slot: Int32(i))
        }
    }

    @Test func rowsComeBackAsTheyWentIn() {
        let rows = sampleRows(300)
        var p = PackedRows()
        for r in rows { p.append(r) }
        #expect(p.count == rows.count)
        for (i, r) in rows.enumerated() { #expect(p[i] == r, "row \(i)") }
    }

    @Test func votesDeletesAndChangesKeepEveryOtherRow() {
        var rows = sampleRows(200)
        var p = PackedRows()
        for r in rows { p.append(r) }
        let at = Timestamp(microseconds: 9_000_000)
        for i in stride(from: 0, to: 200, by: 3) {
            p.vote(i, helpful: i % 2 == 0, at: at)
            if i % 2 == 0 { rows[i].bulletHelpful += 1 } else { rows[i].bulletHarmful += 1 }
            rows[i].updatedAt = at
        }
        for i in stride(from: 1, to: 200, by: 5) {
            p.modify(i) { $0.metadata["changed"] = .bool(true); $0.isDeprecated = true }
            rows[i].metadata["changed"] = .bool(true); rows[i].isDeprecated = true
        }
        for i in stride(from: 2, to: 200, by: 7) { p.delete(i) }
        for i in 0..<200 {
            if i % 7 == 2 { #expect(p[i] == nil && !p.isLive(i)) } else { #expect(p[i] == rows[i], "row \(i)") }
        }
        #expect(p.garbageBytes > 0)
    }

    @Test func aCopyKeepsTheRowsItCaptured() {
        let rows = sampleRows(100)
        var p = PackedRows()
        for r in rows { p.append(r) }
        let image = p
        for i in 0..<100 { p.modify(i) { $0.content = "rewritten \(i)" }; p.vote(i, helpful: true, at: Timestamp(microseconds: 1)) }
        for r in sampleRows(50) { p.append(r) }
        for i in 0..<100 { #expect(image[i] == rows[i]); #expect(p[i]?.content == "rewritten \(i)") }
        #expect(image.count == 100 && p.count == 150)
    }

    @Test func rewritingAWastefulArenaChangesNoRow() {
        var p = PackedRows()
        let big = String(repeating: "y", count: 200_000)
        var expected: [MemoryRow] = []
        for var r in sampleRows(8) { r.content = big; p.append(r); expected.append(r) }
        let image = p
        // Each rewrite of a 200 kB row leaves 200 kB of garbage: ~64 MiB of it forces a rewrite.
        for round in 0..<400 {
            let i = round % 8
            p.modify(i) { $0.metadata["round"] = .int(Int64(round)) }
            expected[i].metadata["round"] = .int(Int64(round))
        }
        #expect(p.garbageBytes < 64 << 20, "garbage \(p.garbageBytes)")
        #expect(p.arenaBytes < 80 << 20, "arena \(p.arenaBytes)")
        for i in 0..<8 { #expect(p[i] == expected[i]) }
        for i in 0..<8 { #expect(image[i]?.content == big && image[i]?.metadata["round"] == nil) }
    }

    @Test func writtenEncodingEqualsEncodingTheDecodedRow() {
        var rows = sampleRows(120)
        var p = PackedRows()
        for r in rows { p.append(r) }
        for i in stride(from: 0, to: 120, by: 2) {
            p.vote(i, helpful: i % 4 == 0, at: Timestamp(microseconds: 77_000 + Int64(i)))
            rows[i] = p[i]!
        }
        for i in rows.indices {
            var a = ByteWriter(), b = ByteWriter()
            p.writeEncoded(i, &a)
            RowCodec.writeMemoryRow(rows[i], &b)
            #expect(a.bytes == b.bytes, "row \(i)")
        }
    }

    @Test func headsMatchTheRows() {
        let rows = sampleRows(60)
        var p = PackedRows()
        for r in rows { p.append(r) }
        p.vote(3, helpful: false, at: Timestamp(microseconds: 5))
        for i in rows.indices {
            let h = p.head(i)!, r = p[i]!
            #expect(h.id == r.id && h.namespace == r.namespace && h.userId == r.userId && h.agentId == r.agentId)
            #expect(h.memoryType == r.memoryType && h.scope == r.scope && h.sharedWithAgents == r.sharedWithAgents)
            #expect(h.createdAt == r.createdAt && h.expiresAt == r.expiresAt && h.isDeprecated == r.isDeprecated)
            #expect(h.bulletHelpful == r.bulletHelpful && h.bulletHarmful == r.bulletHarmful && h.hash == r.hash)
        }
    }
}
