import CXXHash

/// XXH3-64 (seed 0), the checksum of every Aegis file and record (docs/format.md §1).
public enum Checksum {
    public static func xxh3(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        XXH3_64bits(bytes.baseAddress, bytes.count)
    }

    public static func xxh3(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { xxh3($0) }
    }

    public static func xxh3(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.withUnsafeBytes { xxh3($0) }
    }

    /// Streaming XXH3-64 over several pieces (same value as hashing their concatenation).
    public struct Hasher: ~Copyable {
        private let state: OpaquePointer
        public init() {
            state = XXH3_createState()
            XXH3_64bits_reset(state)
        }
        deinit { XXH3_freeState(state) }
        public mutating func update(_ bytes: UnsafeRawBufferPointer) {
            if bytes.count > 0 { XXH3_64bits_update(state, bytes.baseAddress, bytes.count) }
        }
        public mutating func update(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { update($0) }
        }
        public func finalize() -> UInt64 { XXH3_64bits_digest(state) }
    }
}
