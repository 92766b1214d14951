import AegisCore
import Testing
@testable import AegisExport

@Suite struct RecordSplitterTests {
    /// Splits with the given chunk size; returns records as strings and errors.
    func split(_ s: String, chunk: Int = 1 << 20, max: Int = 1 << 20) -> (records: [String], errors: [ExportError]) {
        var sp = RecordSplitter(maxRecordBytes: max)
        let bytes = Array(s.utf8)
        var ev: [RecordSplitter.Event] = []
        var i = 0
        while i < bytes.count { sp.feed(bytes[i..<min(i + chunk, bytes.count)], into: &ev); i += chunk }
        sp.finish(into: &ev)
        var recs: [String] = [], errs: [ExportError] = []
        for e in ev {
            switch e {
            case .record(let b, _, _): recs.append(String(decoding: b, as: UTF8.self))
            case .error(let x): errs.append(x)
            }
        }
        return (recs, errs)
    }

    static let a = #"{"content":"a {not} [a] \"brace\" \\","n":{"x":[1,{"y":2}]}}"#
    static let b = #"{"content":"b"}"#

    @Test(arguments: [1, 2, 3, 7, 64, 1 << 20])
    func framingsGiveTheSameRecords(chunk: Int) {
        let inputs = [
            "\(Self.a)\n\(Self.b)\n",                     // NDJSON
            "\(Self.a)\r\n\(Self.b)",                     // CRLF, no final newline
            "\(Self.a)\(Self.b)",                         // curl -d @file.jsonl (newlines stripped)
            "[\(Self.a),\(Self.b)]",                      // JSON array
            "[\n  \(Self.a),\n  \(Self.b)\n]\n",          // pretty array
            #"{"memories":["# + Self.a + "," + Self.b + #"],"stats":{"total_exported":2,"format":"json","namespaces":["x"],"agents":[]}}"#,
            #"{"stats":{"memories":[1]},"memories":["# + Self.a + "," + Self.b + "]}",
            "\(Self.a),\n\(Self.b)",                      // tolerated comma
        ]
        for input in inputs {
            let r = split(input, chunk: chunk)
            #expect(r.records == [Self.a, Self.b], "input: \(input)")
            #expect(r.errors.isEmpty, "input: \(input) errors: \(r.errors)")
        }
    }

    @Test func brokenLineDoesNotSwallowTheNextOnes() {
        let input = "\(Self.b)\n{\"content\": \"unterminated}\n\(Self.a)\n\(Self.b)\n"
        let r = split(input)
        #expect(r.records == [Self.b, Self.a, Self.b])
        #expect(r.errors.count == 1)
        #expect(r.errors.first?.record == 1)
    }

    @Test func garbageBetweenRecordsIsOneErrorPerRun() {
        let r = split("\(Self.b)\nhello world\n\(Self.b) 42 \(Self.b)")
        #expect(r.records == [Self.b, Self.b, Self.b])
        #expect(r.errors.count == 2)
        #expect(r.errors.allSatisfy { $0.code == .syntax })
    }

    @Test func nonObjectArrayElementsAreReported() {
        let r = split("[\(Self.b), 5, \"x,y\", [1,2], null, \(Self.b)]")
        #expect(r.records == [Self.b, Self.b])
        #expect(r.errors.count == 4)
        #expect(r.errors.map(\.record) == [1, 2, 3, 4])
    }

    @Test func truncatedInputIsReported() {
        let r = split("\(Self.b)\n{\"content\": \"x\", \"n\": [1,")
        #expect(r.records == [Self.b])
        #expect(r.errors.count == 1 && r.errors[0].message.contains("truncated"))
        let r2 = split("[\(Self.b)")
        #expect(r2.records == [Self.b] && r2.errors.count == 1)
    }

    @Test func oversizedRecordIsSkippedWithBoundedBuffer() {
        let big = "{\"content\":\"" + String(repeating: "x", count: 5000) + "\"}"
        let r = split("\(Self.b)\n\(big)\n\(Self.b)", chunk: 100, max: 1000)
        #expect(r.records == [Self.b, Self.b])
        #expect(r.errors.count == 1 && r.errors[0].code == .tooLarge)
    }

    @Test func emptyInputHasNoEvents() {
        let r = split(" \n\n ")
        #expect(r.records.isEmpty && r.errors.isEmpty)
        let r2 = split("[]")
        #expect(r2.records.isEmpty && r2.errors.isEmpty)
        let r3 = split(#"{"memories":[],"stats":{}}"#)
        #expect(r3.records.isEmpty && r3.errors.isEmpty)
    }
}
