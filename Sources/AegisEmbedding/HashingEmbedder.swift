import AegisCore

/// A deterministic embedder with no model: signed feature hashing of lower-cased word unigrams
/// (weight 1) and adjacent-word bigrams (weight 0.5), L2-normalised. Texts sharing words get
/// positive cosine similarity; identical texts get identical vectors on every platform.
/// For tests and for users who want no model. Model name `hash-<dimension>`.
public struct HashingEmbedder: Embedder {
    public let dimension: Int
    public var modelName: String { "hash-\(dimension)" }
    public static let defaultDimension = 384
    public static let maxDimension = 65_536

    public init(dimension: Int = HashingEmbedder.defaultDimension) throws {
        guard (1...Self.maxDimension).contains(dimension) else {
            throw EmbeddingError(.invalidInput, "hash embedder dimension \(dimension) outside 1…\(Self.maxDimension)")
        }
        self.dimension = dimension
    }

    public func embed(_ texts: [String]) async throws -> [[Float]] { texts.map(vector) }

    /// The vector for one text (synchronous; pure).
    public func vector(_ text: String) -> [Float] {
        var v = [Float](repeating: 0, count: dimension)
        var previous: UInt64?
        var any = false
        for word in Self.words(text) {
            let h = Self.fnv1a(word)
            add(h, 1, &v)
            if let p = previous { add(Self.mix(p &* 31 &+ h), 0.5, &v) }
            previous = h
            any = true
        }
        if !any { add(Self.fnv1a(Array(text.utf8)) ^ 0x9E37_79B9_7F4A_7C15, 1, &v) }
        var norm: Float = 0
        for x in v { norm += x * x }
        if norm == 0 {  // every feature cancelled out: fall back to one fixed axis
            v[Int(Self.fnv1a(Array(text.utf8)) % UInt64(dimension))] = 1
            return v
        }
        let inv = 1 / norm.squareRoot()
        for i in v.indices { v[i] *= inv }
        return v
    }

    private func add(_ h: UInt64, _ w: Float, _ v: inout [Float]) {
        let m = Self.mix(h)
        v[Int(m % UInt64(dimension))] += (m >> 63) == 0 ? w : -w
    }

    /// Lower-cased runs of letters and digits, as UTF-8 bytes.
    static func words(_ text: String) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var current = String.UnicodeScalarView()
        func flush() { if !current.isEmpty { out.append(Array(String(current).lowercased().utf8)); current = .init() } }
        for s in text.unicodeScalars {
            if s.properties.isAlphabetic || s.properties.numericType != nil { current.append(s) } else { flush() }
        }
        flush()
        return out
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// splitmix64 finaliser: spreads FNV's low-entropy bits before taking index and sign.
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
