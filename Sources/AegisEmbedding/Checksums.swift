import AegisCore

/// A SHA-256 digest as four words: the key of the embedding cache (hashing is AegisCore's `SHA256`).
public struct SHA256Digest: Hashable, Sendable, CustomStringConvertible {
    public let a: UInt64, b: UInt64, c: UInt64, d: UInt64
    public var bytes: [UInt8] {
        [a, b, c, d].flatMap { w in (0..<8).map { UInt8(truncatingIfNeeded: w >> (56 - 8 * $0)) } }
    }
    public init(bytes: [UInt8]) {
        precondition(bytes.count == 32)
        func w(_ i: Int) -> UInt64 { (0..<8).reduce(0) { $0 << 8 | UInt64(bytes[i * 8 + $1]) } }
        a = w(0); b = w(1); c = w(2); d = w(3)
    }
    public var description: String { bytes.map { String($0, radix: 16).leftPad(2) }.joined() }

    /// SHA-256 of `message`, computed by AegisCore's implementation (one SHA-256 in the project).
    public static func hash<C: Collection>(_ message: C) -> SHA256Digest where C.Element == UInt8 {
        SHA256Digest(bytes: SHA256.digest(message))
    }
}

/// CRC-32C (Castagnoli), the per-entry checksum of the persistent embedding cache.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }
    public static func checksum(_ bytes: UnsafeRawBufferPointer, seed: UInt32 = 0) -> UInt32 {
        var c = ~seed
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return ~c
    }
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { bytes.withUnsafeBytes { checksum($0) } }
}

extension String {
    fileprivate func leftPad(_ n: Int) -> String { count >= n ? self : String(repeating: "0", count: n - count) + self }
}
