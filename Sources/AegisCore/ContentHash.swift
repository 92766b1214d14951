/// Content hash (contract §8.1): lowercase hex SHA-256 of the UTF-8 bytes of `content` after
/// Python `str.strip()` (Unicode whitespace) then `str.lower()` (full Unicode lowercasing).
public enum ContentHash {
    public static func of(_ content: String) -> String {
        SHA256.hexDigest(normalized(content).utf8)
    }

    /// `content.strip().lower()` as Python computes it.
    public static func normalized(_ content: String) -> String {
        let scalars = content.unicodeScalars
        var start = scalars.startIndex
        var end = scalars.endIndex
        while start < end, isPythonWhitespace(scalars[start]) { start = scalars.index(after: start) }
        while end > start {
            let before = scalars.index(before: end)
            guard isPythonWhitespace(scalars[before]) else { break }
            end = before
        }
        let stripped = String(String.UnicodeScalarView(scalars[start..<end]))
        return pythonLower(stripped)
    }

    /// Python's `str.isspace()` set (bidi WS/B/S or category Zs).
    public static func isPythonWhitespace(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09...0x0D, 0x1C...0x1F, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A,
             0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// Full Unicode lowercasing per scalar (SpecialCasing included, as Python does), with
    /// Python's Final_Sigma rule for U+03A3.
    static func pythonLower(_ s: String) -> String {
        // Fast path: ASCII.
        if s.utf8.allSatisfy({ $0 < 0x80 }) {
            return String(decoding: s.utf8.map { ($0 >= 65 && $0 <= 90) ? $0 + 32 : $0 }, as: UTF8.self)
        }
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        for (i, sc) in scalars.enumerated() {
            if sc.value == 0x03A3 {
                out.append(isFinalSigma(scalars, i) ? "\u{03C2}" : "\u{03C3}")
                continue
            }
            out.append(contentsOf: sc.properties.lowercaseMapping.unicodeScalars)
        }
        return String(out)
    }

    // Final_Sigma: preceded by a cased letter (skipping case-ignorables) and not followed by one.
    private static func isFinalSigma(_ s: [Unicode.Scalar], _ i: Int) -> Bool {
        var j = i - 1
        var before = false
        while j >= 0 {
            let p = s[j].properties
            if p.isCaseIgnorable { j -= 1; continue }
            before = p.isCased
            break
        }
        guard before else { return false }
        var k = i + 1
        while k < s.count {
            let p = s[k].properties
            if p.isCaseIgnorable { k += 1; continue }
            return !p.isCased
        }
        return true
    }
}
