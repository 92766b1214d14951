import AegisCore
@testable import AegisStorage
import Testing

/// Decoding memory rows with a `RowDecodeCache` (the snapshot open path) must give exactly the
/// rows that decoding without it gives, whatever the previous row was.
@Suite struct RowReuseDecodeTests {
    static let metadatas: [JSONObject] = [
        ["source": .string("bench"), "i": .int(1)],
        ["source": .string("bench"), "i": .int(2)],          // same keys, same string
        ["source": .string("other"), "i": .int(2)],          // same keys, other string
        ["i": .int(2), "source": .string("other")],          // same keys, other order
        ["source": .int(7), "i": .string("bench")],          // same keys, other kinds
        ["source": .string("bench")],                        // fewer keys
        ["sourcf": .string("bench")],                        // other key, same length
        [:],
        ["source": .string("bench"), "i": .object(["a": .array([.null, .bool(true)])])],
        ["source": .string("bench"), "i": .object(["a": .array([.null, .bool(false)])])],
        ["ü": .string("é"), "i": .double(1.0)],
        ["ü": .string("é"), "i": .double(1.0)],
    ]

    func rows() -> [MemoryRow] {
        var fx = Fixture()
        var out: [MemoryRow] = []
        for (i, meta) in Self.metadatas.enumerated() {
            var m = fx.memory(project: i % 4 == 3 ? "a-much-longer-project-identifier-\(i % 2)" : testProject,
                              namespace: ["default", "ns", "a-namespace-longer-than-sixteen", ""][i % 4])
            m.metadata = meta
            m.coordinationMetadata = Self.metadatas[(i + 5) % Self.metadatas.count]
            out.append(MemoryRow(m, hash: HashKey(a: UInt64(i), b: 2, c: 3, d: 4), slot: Int32(i)))
        }
        return out + out.reversed()
    }

    @Test func cachedDecodingEqualsPlainDecoding() throws {
        let rows = rows()
        var w = ByteWriter()
        for row in rows { RowCodec.writeMemoryRow(row, &w) }
        try w.bytes.withUnsafeBytes { buf in
            var r = ByteReader(buf, what: "test")
            var cache = RowDecodeCache()
            for (i, expected) in rows.enumerated() {
                let row = try RowCodec.readMemoryRow(&r, slot: expected.slot, cache: &cache)
                #expect(row == expected, "row \(i)")
                #expect(row.metadata.keys == expected.metadata.keys, "row \(i) key order")
            }
            try r.expectEnd()
        }
    }

    @Test func truncatedRowsThrowWithAPrimedCache() throws {
        let rows = rows()
        var w = ByteWriter()
        RowCodec.writeMemoryRow(rows[0], &w)
        let first = w.bytes.count
        RowCodec.writeMemoryRow(rows[1], &w)
        let all = w.bytes
        for cut in first..<(all.count - 1) {
            try Array(all[..<cut]).withUnsafeBytes { buf in
                var r = ByteReader(buf, what: "test")
                var cache = RowDecodeCache()
                _ = try RowCodec.readMemoryRow(&r, slot: 0, cache: &cache)
                #expect(throws: AegisError.self) { _ = try RowCodec.readMemoryRow(&r, slot: 1, cache: &cache) }
            }
        }
    }
}
