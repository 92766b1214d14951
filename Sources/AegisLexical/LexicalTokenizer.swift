import Foundation

/// The lexical channel's tokenizer (docs/hybrid-retrieval.md, "Tokens"). Deterministic, no
/// stemming, no stop words:
/// 1. the text is normalised with Unicode NFKC and lower-cased (full Unicode lower-casing);
/// 2. it is cut into *identifiers*: maximal runs of word characters (letters, digits, marks)
///    and joiners (`_ - . @ / \ : + ~ #` when inside the run); whitespace and every other
///    character end a run; joiners at either end of a run are dropped;
/// 3. each identifier is emitted whole, followed by its parts (the runs of word characters
///    between joiners) when it has more than one: `ERR_PAYMENT_4471` → `err_payment_4471`,
///    `err`, `payment`, `4471`. Repeated tokens are kept (they are term frequencies).
///
/// `#` is a joiner only inside a run (`C#` stays `c`, `PR #4832` gives `pr`, `4832`).
public enum LexicalTokenizer {
    /// Tokens of `text` in order of appearance (whole identifier first, then its parts).
    public static func tokens(_ text: String) -> [String] {
        var out: [String] = []
        forEachToken(text) { out.append($0) }
        return out
    }

    /// Calls `body` with every token of `text` (see `tokens`).
    public static func forEachToken(_ text: String, _ body: (String) -> Void) {
        let normalized = text.precomposedStringWithCompatibilityMapping.lowercased()
        var run: [Unicode.Scalar] = []
        func flush() {
            // Trim joiners at both ends.
            var lo = 0, hi = run.count
            while lo < hi, isJoiner(run[lo]) { lo += 1 }
            while hi > lo, isJoiner(run[hi - 1]) { hi -= 1 }
            defer { run.removeAll(keepingCapacity: true) }
            guard lo < hi else { return }
            var whole = String.UnicodeScalarView()
            whole.append(contentsOf: run[lo..<hi])
            body(String(whole))
            var parts: [String] = []
            var part = String.UnicodeScalarView()
            var hasJoiner = false
            for s in run[lo..<hi] {
                if isJoiner(s) {
                    hasJoiner = true
                    if !part.isEmpty { parts.append(String(part)); part = String.UnicodeScalarView() }
                } else {
                    part.append(s)
                }
            }
            if !part.isEmpty { parts.append(String(part)) }
            guard hasJoiner, parts.count > 1 else { return }
            for p in parts { body(p) }
        }
        for s in normalized.unicodeScalars {
            if isWord(s) || isJoiner(s) {
                run.append(s)
            } else if !run.isEmpty {
                flush()
            }
        }
        if !run.isEmpty { flush() }
    }

    /// Letters, digits and combining marks.
    @inline(__always)
    static func isWord(_ s: Unicode.Scalar) -> Bool {
        if s.isASCII {
            let v = s.value
            return (v >= 0x30 && v <= 0x39) || (v >= 0x61 && v <= 0x7A) || (v >= 0x41 && v <= 0x5A)
        }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber, .nonspacingMark, .spacingMark, .enclosingMark:
            return true
        default:
            return false
        }
    }

    /// Characters that join the parts of an identifier (`_ - . @ / \ : + ~ #`).
    @inline(__always)
    static func isJoiner(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x5F, 0x2D, 0x2E, 0x40, 0x2F, 0x5C, 0x3A, 0x2B, 0x7E, 0x23: return true
        default: return false
        }
    }
}
