import Testing
@testable import AegisCore

/// The shared JSON string decoder: escapes, surrogate pairs, the two lone-surrogate policies,
/// and where each failure is reported.
@Suite struct JSONStringScannerTests {
    func scan(_ text: String, _ policy: JSONStringScanner.LoneSurrogates = .reject) throws(JSONStringScanner.Failure) -> (String, Int) {
        var i = 0
        let s = try JSONStringScanner.scan(Array(text.utf8), &i, loneSurrogates: policy)
        return (s, i)
    }

    func failure(_ text: String, _ policy: JSONStringScanner.LoneSurrogates = .reject) -> JSONStringScanner.Failure? {
        do { _ = try scan(text, policy); return nil } catch { return error }
    }

    @Test func plainAndEscapedStrings() throws {
        #expect(try scan(#""héllo" tail"#) == ("héllo", 8))
        #expect(try scan(#""a\"b\\c\/d\b\f\n\r\t""#).0 == "a\"b\\c/d\u{8}\u{c}\n\r\t")
        #expect(try scan(#""\u00e9\u4E2D""#).0 == "é中")
        #expect(try scan(#""\ud83d\ude00!""#).0 == "😀!")
    }

    @Test func loneSurrogatesFollowThePolicy() throws {
        #expect(try scan(#""x\ud800y""#, .replace).0 == "x\u{FFFD}y")
        #expect(try scan(#""\udc00""#, .replace).0 == "\u{FFFD}")
        #expect(try scan(#""\ud800\u0041""#, .replace).0 == "\u{FFFD}A", "a high surrogate before a non-low escape")
        #expect(failure(#""x\ud800y""#)?.kind == .unpairedSurrogate)
        #expect(failure(#""\udc00""#)?.kind == .unpairedSurrogate)
        #expect(failure(#""\ud800\u0041""#)?.kind == .unpairedSurrogate)
    }

    @Test func failuresSayWhatAndWhere() {
        #expect(failure(#""abc"#) == .init(kind: .unterminated, offset: 4))
        #expect(failure("\"a\u{1}b\"") == .init(kind: .controlCharacter, offset: 2))
        #expect(failure(#""a\qb""#)?.kind == .invalidEscape)
        #expect(failure(#""\u12"#)?.kind == .truncatedUnicodeEscape)
        #expect(failure(#""\u12G4""#) == .init(kind: .invalidUnicodeEscape, offset: 5))
        let bad: [UInt8] = Array("\"ab".utf8) + [0xFF] + Array("\"".utf8)
        var i = 0
        #expect(throws: JSONStringScanner.Failure(kind: .invalidUTF8, offset: 1)) {
            _ = try JSONStringScanner.scan(bad, &i, loneSurrogates: .reject)
        }
        #expect(i == bad.count, "past the closing quote")
    }
}
