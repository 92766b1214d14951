import AegisCore
import Testing
@testable import AegisExport

/// `RecordSplitter` over contiguous bytes appends runs of plain bytes in one go; byte by byte
/// (a sequence without contiguous storage) must give exactly the same events.
@Suite struct RecordSplitterFastPathTests {
    func events(_ bytes: [UInt8], chunk: Int, max: Int, contiguous: Bool) -> [String] {
        var sp = RecordSplitter(maxRecordBytes: max)
        var ev: [RecordSplitter.Event] = []
        var i = 0
        while i < bytes.count {
            let part = bytes[i..<min(i + chunk, bytes.count)]
            if contiguous { sp.feed(part, into: &ev) } else { sp.feed(part.lazy.map { $0 }, into: &ev) }
            i += chunk
        }
        sp.finish(into: &ev)
        return ev.map { e in
            switch e {
            case .record(let b, let index, let offset): "record \(index) @\(offset): \(String(decoding: b, as: UTF8.self))"
            case .error(let x): "error \(x)"
            }
        } + ["seen \(sp.bytesSeen) count \(sp.recordCount)"]
    }

    static let inputs = [
        #"{"content":"a {not} [a] \"brace\" \\","embedding":[0.125, -1e-3,2.5E+2],"n":{"x":[1,{"y":2}]}}"# + "\n" + #"{"content":"b"}"#,
        #"{"memories":[{"content":"x","embedding":[1,2,3]},{"content":"y"}],"stats":{"total":2}}"#,
        "[\n  {\"content\": \"a\",  \"v\": [1, 2,\t3]},\r\n  {\"content\":\"b\"}\n]\n",
        "{\"content\":\"broken\n{\"content\":\"next\",\"e\":[1,2]}\n",
        "{\"content\":\"open\",\"e\":[1,2\n{\"content\":\"after\"}\n",
        "garbage 123 {\"content\":\"ok\"} , , 42 [1, \"s\", {\"content\":\"in\"}, 7]",
        "{\"a_very_long_key_name_over_sixteen\":1,\"memories\":[1],\"content\":\"c\"}",
        "{\"content\":\"" + String(repeating: "z", count: 300) + "\",\"e\":[" + (0..<100).map { "0.\($0)" }.joined(separator: ",") + "]}",
    ]

    @Test(arguments: [1, 3, 16, 1 << 20])
    func contiguousFeedingMatchesByteByByte(chunk: Int) {
        for input in Self.inputs {
            for max in [64, 200, 1 << 20] {
                let bytes = Array(input.utf8)
                #expect(events(bytes, chunk: chunk, max: max, contiguous: true) == events(bytes, chunk: chunk, max: max, contiguous: false),
                        "chunk \(chunk) max \(max): \(input)")
            }
        }
    }

    /// Random streams over JSON's structural alphabet (seeded): same events both ways.
    @Test func randomStreamsMatch() {
        let alphabet = Array(#"{}[]:,"\ 0123456789.-eabc"#.utf8) + [0x0A, 0x0D, 0x09]
        var state: UInt64 = 0x5EED
        func next() -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int(truncatingIfNeeded: (z ^ (z >> 31)) >> 1)
        }
        for round in 0..<400 {
            var bytes = Array(Self.inputs[round % Self.inputs.count].utf8)
            for _ in 0..<(1 + next() % 6) {
                let at = next() % (bytes.count + 1)
                if next() % 2 == 0, at < bytes.count { bytes.remove(at: at) } else { bytes.insert(alphabet[next() % alphabet.count], at: at) }
            }
            let chunk = [1, 5, 64, 1 << 20][next() % 4], max = [32, 128, 1 << 20][next() % 3]
            #expect(events(bytes, chunk: chunk, max: max, contiguous: true) == events(bytes, chunk: chunk, max: max, contiguous: false),
                    "round \(round): \(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
