import Foundation
import AegisCore
import AegisWire
import Testing
@testable import AegisHTTP

@Suite struct JSONWriterTests {
    @Test(arguments: [
        (0.0, "0.0"), (1.0, "1.0"), (-1.0, "-1.0"), (0.5, "0.5"), (0.7071067901583552, "0.7071067901583552"),
        (1e-05, "1e-05"), (0.0001, "0.0001"), (1e16, "1e+16"), (1e15, "1000000000000000.0"),
        (123456.789, "123456.789"), (4.0 / 7.0, "0.5714285714285714"), (-0.25, "-0.25"), (2.5e-10, "2.5e-10"),
    ])
    func pythonFloatRepr(_ value: Double, _ expected: String) {
        #expect(JSONWriter.pythonFloat(value) == expected)
    }

    /// The positional fast path of `pythonFloat` agrees with the full layout rewrite on values
    /// of every magnitude (including both sides of the 1e-4 and 1e16 switch points).
    @Test func pythonFloatFastPathMatchesLayout() {
        var rng = SystemRandomNumberGenerator()
        var values: [Double] = [1e-4, 9.999999999999999e-05, 1e16, 9999999999999998.0, 0.1, 1.0 / 3, 100, 1e15 + 0.5]
        for _ in 0..<20_000 {
            let e = Double.random(in: -8...18, using: &rng)
            values.append(Double.random(in: 1..<10, using: &rng) * pow(10, e.rounded(.down)) * (Bool.random(using: &rng) ? 1 : -1))
            values.append(Double(Float(Double.random(in: -1...1, using: &rng))))   // similarity scores
        }
        for v in values where v != 0 {
            #expect(JSONWriter.pythonFloat(v) == JSONWriter.pythonFloatLayout(v.description), "\(v)")
        }
    }

    /// The digit-by-digit timestamp writer produces `Timestamp.iso8601()`'s text.
    @Test func timestampsMatchFormatter() {
        var rng = SystemRandomNumberGenerator()
        var values: [Int64] = [0, -1, 1, 951_782_400_000_000, 951_868_799_999_999, -62_135_596_800_000_000, 253_402_300_799_999_999,
                               -62_135_596_800_000_001, 253_402_300_800_000_000, 1_700_000_000_000_000, 1_700_000_000_123_456]
        for _ in 0..<20_000 { values.append(Int64.random(in: -70_000_000_000_000_000...260_000_000_000_000_000, using: &rng)) }
        for v in values {
            let t = Timestamp(microseconds: v)
            var w = JSONWriter()
            w.timestamp(t)
            #expect(w.string == "\"" + t.iso8601() + "\"", "\(v)")
        }
    }

    @Test(arguments: [0, 7, -7, 10, -10, 99, 12345, Int.max, Int.min])
    func integers(_ i: Int) {
        var w = JSONWriter()
        w.int(i)
        #expect(w.string == String(i))
    }

    @Test func orderNullsAndEscapes() {
        var w = JSONWriter()
        w.beginObject()
        w.key("z"); w.string("a\"b\\c\n\u{01}é✓")
        w.key("a"); w.null()
        w.key("list"); w.beginArray(); w.int(1); w.double(2); w.bool(false); w.endArray()
        w.key("t"); w.timestamp(Timestamp(microseconds: 1_700_000_000_000_000))
        w.key("u"); w.timestamp(Timestamp(microseconds: 1_700_000_000_123_456))
        w.endObject()
        #expect(w.string == #"{"z":"a\"b\\c\n\u0001é✓","a":null,"list":[1,2.0,false],"t":"2023-11-14T22:13:20Z","u":"2023-11-14T22:13:20.123456Z"}"#)
    }

    /// Issue 18: `<`, `>`, `&` never leave the writer raw, in strings, keys or raw fragments,
    /// and the reader decodes them back to the same text.
    @Test func markupIsEscaped() throws {
        var w = JSONWriter()
        w.beginObject()
        w.key("<k>"); w.string("<script>a&b</script>")
        w.key("input"); w.raw(#"{"x":"<\/script>&","n":[1,2]}"#)
        w.key("plain"); w.raw("null")
        w.endObject()
        #expect(w.string == #"{"\u003ck\u003e":"\u003cscript\u003ea\u0026b\u003c/script\u003e","input":{"x":"\u003c\/script\u003e\u0026","n":[1,2]},"plain":null}"#)
        let back = try JSONReader.parse(w.bytes)
        #expect(back.objectValue?["<k>"]?.stringValue == "<script>a&b</script>")
        #expect(back.objectValue?["input"]?.objectValue?["x"]?.stringValue == "</script>&")
    }

    @Test func roundTripsThroughReader() throws {
        let text = #"{"b":1,"a":[1.0,-2,3.5e2,"x\u00e9\ud83d\ude00"],"n":null,"o":{"k":true}}"#
        let v = try JSONReader.parse(Array(text.utf8))
        #expect(JSONWriter.encode(v) == #"{"b":1,"a":[1.0,-2,350.0,"xé😀"],"n":null,"o":{"k":true}}"#)
    }
}

@Suite struct JSONReaderTests {
    @Test func depthCap() {
        var limits = JSONReader.Limits()
        limits.maxDepth = 8
        let deep = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(deep.utf8), limits: limits) }
        let ok = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        #expect((try? JSONReader.parse(Array(ok.utf8), limits: limits)) != nil)
    }

    @Test func keyCap() {
        var limits = JSONReader.Limits()
        limits.maxObjectKeys = 3
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(#"{"a":1,"b":2,"c":3,"d":4}"#.utf8), limits: limits) }
    }

    @Test(arguments: ["", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "tru", "\"abc", "01", "1 2", "{\"a\":1}x", "\"\u{01}\"", "nan"])
    func rejectsInvalid(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(text.utf8)) }
    }

    @Test func invalidUTF8IsAnError() {
        #expect(throws: JSONParseError.self) { try JSONReader.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func bigIntegersBecomeDoubles() throws {
        #expect(try JSONReader.parse(Array("123456789012345678901234".utf8)) == .double(123456789012345678901234))
        #expect(try JSONReader.parse(Array("-9223372036854775808".utf8)) == .int(Int64.min))
    }

    @Test func concatenatedSequence() throws {
        var got: [JSONValue] = []
        try JSONReader.parseSequence(Array("{\"a\":1}{\"a\":2}\n {\"a\":3}".utf8)) { got.append($0) }
        #expect(got.count == 3)
    }
}
