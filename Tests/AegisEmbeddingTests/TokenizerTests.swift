import Foundation
import Testing
@testable import AegisEmbedding

@Suite struct TokenizerTests {
    struct Case: Decodable { let text: String; let ids: [Int32]; let tokens: [String] }

    static let tokenizer: Result<WordPieceTokenizer, Error> = Result {
        try WordPieceTokenizer(vocabularyFile: TestPaths.modelDirectory + "/vocab.txt")
    }

    /// Cases produced by Hugging Face `tokenizers` from the model's own tokenizer.json
    /// (accents, CJK, punctuation, control and zero-width characters, full-width forms,
    /// over-long words, several scripts).
    static func cases() throws -> [Case] {
        let data = try Data(contentsOf: TestPaths.fixtures.appendingPathComponent("tokenizer-cases.jsonl"))
        return try data.split(separator: UInt8(ascii: "\n")).map { try JSONDecoder().decode(Case.self, from: Data($0)) }
    }

    @Test func matchesHuggingFaceTokenizersOnEveryFixtureCase() throws {
        let t = try Self.tokenizer.get()
        let cases = try Self.cases()
        #expect(cases.count >= 25)
        for c in cases {
            #expect(t.encode(c.text) == c.ids, "\(c.text.debugDescription): \(t.tokenize(c.text)) vs \(c.tokens)")
        }
    }

    @Test func accentsAreStrippedAndCaseFolded() throws {
        let t = try Self.tokenizer.get()
        #expect(t.tokenize("Héllo Wörld Café") == ["[CLS]", "hello", "world", "cafe", "[SEP]"])
        #expect(t.tokenize("re\u{301}sume\u{301}") == t.tokenize("résumé"))
    }

    @Test func cjkCharactersAreSeparateWords() throws {
        let t = try Self.tokenizer.get()
        let tokens = t.tokenize("北京abc")
        #expect(tokens == ["[CLS]", "北", "京", "abc", "[SEP]"])
    }

    @Test func punctuationIsSplitOff() throws {
        let t = try Self.tokenizer.get()
        #expect(t.tokenize("a,b.c!?") == ["[CLS]", "a", ",", "b", ".", "c", "!", "?", "[SEP]"])
    }

    @Test func emptyAndWhitespaceOnlyGiveJustTheSpecialTokens() throws {
        let t = try Self.tokenizer.get()
        #expect(t.encode("") == [t.clsID, t.sepID])
        #expect(t.encode(" \t\n\u{200B}\u{0}") == [t.clsID, t.sepID])
    }

    @Test func longInputIsTruncatedTo256TokensEndingWithSEP() throws {
        let t = try Self.tokenizer.get()
        let long = (0..<400).map { "word\($0)" }.joined(separator: " ")
        let ids = t.encode(long)
        #expect(ids.count == 256)
        #expect(ids.first == t.clsID && ids.last == t.sepID)
        // Truncation keeps the first pieces: the same as encoding a prefix long enough.
        #expect(Array(t.encode((0..<200).map { "word\($0)" }.joined(separator: " ")).dropLast().prefix(100)) == Array(ids.prefix(100)))
        // A 100 000-character memory is handled without tokenising all of it into memory first.
        let huge = String(repeating: "lorem ipsum dolor sit amet ", count: 4000)
        #expect(t.encode(huge).count == 256)
    }

    @Test func wordsOver100CharactersAndUncoverableWordsBecomeUNK() throws {
        let v = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "##a", "b"]
        let t = try WordPieceTokenizer(vocabulary: v, maxLength: 8)
        #expect(t.tokenize("aaa") == ["[CLS]", "a", "##a", "##a", "[SEP]"])
        #expect(t.tokenize("ab") == ["[CLS]", "[UNK]", "[SEP]"])  // "##b" is not in the vocabulary
        #expect(t.tokenize(String(repeating: "a", count: 101)) == ["[CLS]", "[UNK]", "[SEP]"])
        #expect(t.tokenize("a a a a a a a a a") == ["[CLS]", "a", "a", "a", "a", "a", "a", "[SEP]"])
    }

    @Test func vocabularyWithoutSpecialTokensIsRejected() {
        #expect(throws: ModelFileError.self) { try WordPieceTokenizer(vocabulary: ["a", "b"]) }
        #expect(throws: ModelFileError.self) { try WordPieceTokenizer(vocabularyFile: "/nonexistent/vocab.txt") }
    }
}
