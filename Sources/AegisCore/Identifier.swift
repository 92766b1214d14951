/// Identifiers (contract §1.7): 32 lowercase hex characters.
public enum Identifier {
    /// A random UUID (version 4) as 32 hex chars — memories created by add / add_batch / delta.
    public static func uuid4Hex() -> String {
        var bytes = randomBytes16()
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return Hex.encode(bytes)
    }

    /// 16 random bytes as 32 hex chars — reflections, votes, sessions, features, genesis entries.
    public static func randomHex() -> String { Hex.encode(randomBytes16()) }

    /// True when `id` is 32 lowercase hex characters.
    public static func isCanonical(_ id: String) -> Bool {
        let u = id.utf8
        return u.count == 32 && u.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    private static func randomBytes16() -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        let a = g.next() as UInt64, b = g.next() as UInt64
        var out = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { out[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i))); out[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i))) }
        return out
    }
}
