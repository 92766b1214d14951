import AegisCore
import Testing
@testable import AegisExport

@Suite struct JSONBytesWriterTests {
    func text(_ f: (inout JSONBytesWriter) -> Void, style: JSONBytesWriter.Style = .compact) -> String {
        var w = JSONBytesWriter(style: style)
        f(&w)
        return String(decoding: w.bytes, as: UTF8.self)
    }

    @Test func keepsKeyOrderAndExplicitNulls() {
        let s = text { w in
            w.beginObject(); w.field("z", "1"); w.field("a", nil as String?); w.key("m"); w.beginArray(); w.int(1); w.double(1.0); w.bool(false); w.endArray()
            w.key("o"); w.object(["b": .int(2), "a": .null]); w.endObject()
        }
        #expect(s == #"{"z":"1","a":null,"m":[1,1.0,false],"o":{"b":2,"a":null}}"#)
    }

    @Test func pythonStyleMatchesJsonDumps() {
        let s = text({ w in w.object(["a": .int(1), "b": .string("é\u{1F600}"), "c": .array([.double(0.5), .null])]) }, style: .python)
        #expect(s == #"{"a": 1, "b": "\u00e9\ud83d\ude00", "c": [0.5, null]}"#)
    }

    @Test func escapesControlCharacters() {
        let s = text { w in w.string("q\" b\\ n\n r\r t\t \u{01} \u{7F} é") }
        #expect(s == #""q\" b\\ n\n r\r t\t \u0001 \u007f é""#)
    }

    @Test(arguments: [Float(0.1), 1e-7, -0.0, 3.4028235e38, 1.17549435e-38, 1.0e-45, 0.33333334, 1])
    func floatsRoundTripBitExactly(_ f: Float) throws {
        let s = text { $0.float(f) }
        let back = try #require(Float(s))
        #expect(back.bitPattern == f.bitPattern)
        let viaDouble = Float(try #require(Double(s)))
        #expect(viaDouble.bitPattern == f.bitPattern)
    }

    @Test func nonFiniteDoublesBecomeNull() {
        #expect(text { $0.double(.nan) } == "null")
        #expect(text { $0.double(.infinity) } == "null")
        #expect(text { $0.double(2) } == "2.0")
    }
}
