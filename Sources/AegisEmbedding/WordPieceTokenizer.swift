import Foundation

/// BERT's uncased tokenizer, as `tokenizers`' `BertNormalizer` + `BertPreTokenizer` + `WordPiece`
/// + the `[CLS] … [SEP]` template:
/// 1. clean: drop NUL, U+FFFD and control/format/unassigned/private-use scalars (except
///    `\t \n \r`), map every White_Space scalar to a space;
/// 2. put spaces around CJK ideographs;
/// 3. strip accents: NFD, then drop non-spacing marks (Mn);
/// 4. lower-case (per-scalar full mapping);
/// 5. split on whitespace and around every punctuation scalar (ASCII punctuation or Unicode P*);
/// 6. WordPiece: greedy longest match with `##` continuations; a word longer than 100 scalars,
///    or one that cannot be covered, becomes `[UNK]`;
/// 7. `[CLS]` + pieces truncated to `maxLength - 2` + `[SEP]`.
public struct WordPieceTokenizer: Sendable {
    public static let maxCharactersPerWord = 100
    public let maxLength: Int
    public let clsID: Int32, sepID: Int32, unkID: Int32
    public var vocabularySize: Int { tokens.count }
    private let ids: [String: Int32]
    private let tokens: [String]

    /// - Parameter vocabulary: one token per entry; the index is the id.
    public init(vocabulary: [String], maxLength: Int = 256, file: String = "<memory>") throws {
        guard maxLength >= 2 else { throw ModelFileError(.badShape, "maxLength \(maxLength) < 2", file: file) }
        var ids: [String: Int32] = [:]
        ids.reserveCapacity(vocabulary.count)
        for (i, t) in vocabulary.enumerated() where ids[t] == nil { ids[t] = Int32(i) }
        func special(_ s: String) throws -> Int32 {
            guard let id = ids[s] else { throw ModelFileError(.missing, "vocabulary has no \(s) token", file: file) }
            return id
        }
        self.clsID = try special("[CLS]"); self.sepID = try special("[SEP]"); self.unkID = try special("[UNK]")
        self.ids = ids; self.tokens = vocabulary; self.maxLength = maxLength
    }

    /// Reads `vocab.txt` (UTF-8, one token per line).
    public init(vocabularyFile path: String, maxLength: Int = 256) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError(.io, "cannot read: \(error.localizedDescription)", file: path)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ModelFileError(.badHeader, "not UTF-8", file: path) }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty, lines.count <= 10_000_000 else { throw ModelFileError(.badShape, "vocabulary has \(lines.count) entries", file: path) }
        try self.init(vocabulary: lines, maxLength: maxLength, file: path)
    }

    /// Token ids for `text`: `[CLS]`, at most `maxLength - 2` word pieces, `[SEP]`.
    public func encode(_ text: String) -> [Int32] {
        var out: [Int32] = [clsID]
        let limit = maxLength - 2
        for word in Self.preTokenize(Self.normalize(text)) {
            appendPieces(word, to: &out)
            if out.count - 1 >= limit { break }
        }
        if out.count - 1 > limit { out.removeLast(out.count - 1 - limit) }
        out.append(sepID)
        return out
    }

    /// The token strings of `encode(text)` (for tests and debugging).
    public func tokenize(_ text: String) -> [String] { encode(text).map { tokens[Int($0)] } }

    private func appendPieces(_ word: [Unicode.Scalar], to out: inout [Int32]) {
        guard word.count <= Self.maxCharactersPerWord else { out.append(unkID); return }
        let mark = out.count
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while end > start {
                var s = start > 0 ? "##" : ""
                s.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = ids[s] { found = id; break }
                end -= 1
            }
            guard let id = found else {
                out.removeLast(out.count - mark)
                out.append(unkID)
                return
            }
            out.append(id)
            start = end
        }
    }

    // MARK: normalisation and pre-tokenisation

    static func normalize(_ text: String) -> String {
        var cleaned = String.UnicodeScalarView()
        var ascii = true
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || isControl(s) { continue }
            if isWhitespace(s) { cleaned.append(" "); continue }
            if isCJK(s) { cleaned.append(" "); cleaned.append(s); cleaned.append(" "); ascii = false; continue }
            if !s.isASCII { ascii = false }
            cleaned.append(s)
        }
        var out = String.UnicodeScalarView()
        if ascii {
            for s in cleaned {
                out.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
            }
            return String(out)
        }
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        for s in decomposed.unicodeScalars where s.properties.generalCategory != .nonspacingMark {
            if s.isASCII {
                out.append(s.value >= 65 && s.value <= 90 ? Unicode.Scalar(s.value + 32)! : s)
            } else {
                out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    static func preTokenize(_ text: String) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for s in text.unicodeScalars {
            if s.properties.isWhitespace {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
            } else if isPunctuation(s) {
                if !current.isEmpty { words.append(current); current.removeAll(keepingCapacity: true) }
                words.append([s])
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .closePunctuation, .finalPunctuation,
             .initialPunctuation, .otherPunctuation, .openPunctuation: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT treats as single-character words.
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F: return true
        default: return false
        }
    }
}
