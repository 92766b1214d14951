import AegisCore

/// A SHA-256 content hash as 32 raw bytes (stored form; cheap to hash and compare).
public struct HashKey: Hashable, Sendable, CustomStringConvertible {
    public var a: UInt64, b: UInt64, c: UInt64, d: UInt64

    init(a: UInt64, b: UInt64, c: UInt64, d: UInt64) { self.a = a; self.b = b; self.c = c; self.d = d }
    /// All zero bits (no memory has this hash in practice; marks "none" in per-slot tables).
    public static let zero = HashKey(a: 0, b: 0, c: 0, d: 0)

    // A SHA-256 digest is uniformly distributed: 64 of its bits (mixed with the table's
    // seed, see `mixHash`) hash as well as all 256 through SipHash, at a fraction of the cost.
    public static func == (x: HashKey, y: HashKey) -> Bool { x.a == y.a && x.b == y.b && x.c == y.c && x.d == y.d }
    public func hash(into hasher: inout Hasher) { hasher.combine(a) }
    public func _rawHashValue(seed: Int) -> Int { mixHash(Int(Int64(bitPattern: a)), seed) }

    /// From 64 hex digits (either case); nil otherwise.
    public init?(hex: String) {
        guard hex.utf8.count == 64, let raw = Hex.decode(hex) else { return nil }
        self = raw.withUnsafeBytes { HashKey(raw: $0) }
    }

    init(raw p: UnsafeRawBufferPointer) {
        a = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        b = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        c = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        d = UInt64(bigEndian: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    var rawBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in [a, b, c, d] { withUnsafeBytes(of: w.bigEndian) { out.append(contentsOf: $0) } }
        return out
    }

    /// 64 lower-case hex digits (the contract's `content_hash`).
    public var hex: String {
        var words = (a.bigEndian, b.bigEndian, c.bigEndian, d.bigEndian)
        return withUnsafeBytes(of: &words) { Hex.encode($0) }
    }
    public var description: String { hex }
}
