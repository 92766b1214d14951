import AegisCore

/// Bounds-checked reader of the field encodings of docs/format-storage.md §2. Never trusts a
/// length: every count is checked against the bytes that remain before anything is allocated.
/// Throws `AegisError.corruption` with `what` (e.g. "snapshot block", "LSN 42") as context.
struct ByteReader {
    let base: UnsafeRawPointer?
    let count: Int
    private(set) var position: Int = 0
    let what: String

    init(_ buffer: UnsafeRawBufferPointer, what: String) {
        base = buffer.baseAddress
        count = buffer.count
        self.what = what
    }

    var remaining: Int { count - position }
    var isAtEnd: Bool { position == count }

    func fail(_ message: String) -> AegisError {
        AegisError.corruption(what.isEmpty ? "\(message) at byte \(position)" : "\(what): \(message) at byte \(position)")
    }

    @inline(__always) mutating func need(_ n: Int) throws {
        guard n >= 0, n <= count - position else { throw fail("needs \(n) bytes, \(count - position) left") }
    }

    @inline(__always) mutating func u8() throws -> UInt8 {
        try need(1)
        let v = base!.load(fromByteOffset: position, as: UInt8.self)
        position += 1
        return v
    }
    mutating func u16() throws -> UInt16 {
        try need(2)
        let v = base!.loadUnaligned(fromByteOffset: position, as: UInt16.self)
        position += 2
        return UInt16(littleEndian: v)
    }
    mutating func u32() throws -> UInt32 {
        try need(4)
        let v = base!.loadUnaligned(fromByteOffset: position, as: UInt32.self)
        position += 4
        return UInt32(littleEndian: v)
    }
    mutating func u64() throws -> UInt64 {
        try need(8)
        let v = base!.loadUnaligned(fromByteOffset: position, as: UInt64.self)
        position += 8
        return UInt64(littleEndian: v)
    }
    mutating func i64() throws -> Int64 { Int64(bitPattern: try u64()) }
    mutating func bool() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw fail("boolean byte \(b)")
        }
    }
    mutating func presence() throws -> Bool {
        switch try u8() {
        case 0: return false
        case 1: return true
        case let b: throw fail("presence byte \(b)")
        }
    }

    @inline(__always) mutating func varint() throws -> UInt64 {
        // One byte (every length below 128): the common case, inline.
        if position < count {
            let b = base!.load(fromByteOffset: position, as: UInt8.self)
            if b & 0x80 == 0 { position += 1; return UInt64(b) }
        }
        return try varintSlow()
    }

    private mutating func varintSlow() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try u8()
            if shift == 63 && b > 1 { throw fail("varint overflows 64 bits") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw fail("varint longer than 10 bytes") }
        }
    }

    /// A count of items that each take at least `minItemBytes` bytes.
    @inline(__always) mutating func count(minItemBytes: Int = 1, limit: Int = Int.max) throws -> Int {
        let v = try varint()
        guard v <= UInt64(limit), v <= UInt64(remaining / max(1, minItemBytes)) else {
            throw fail("count \(v) exceeds what remains")
        }
        return Int(v)
    }

    @inline(__always) mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer {
        try need(n)
        let p = UnsafeRawBufferPointer(start: base! + position, count: n)
        position += n
        return p
    }

    mutating func str() throws -> String {
        let n = try count()
        if n == 0 { return "" }
        let raw = try bytes(n)
        let u = raw.assumingMemoryBound(to: UInt8.self)
        // ASCII fast path (ids, names, most content): valid UTF-8 by construction.
        var ascii = true
        var i = 0
        while i + 8 <= n {
            if UnsafeRawPointer(u.baseAddress! + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { ascii = false; break }
            i += 8
        }
        if ascii { while i < n { if u[i] >= 0x80 { ascii = false; break }; i += 1 } }
        if ascii { return String(decoding: u, as: UTF8.self) }
        guard let s = String(validating: u, as: UTF8.self) else {
            position -= n
            throw fail("invalid UTF-8 in a string of \(n) bytes")
        }
        return s
    }
    mutating func optStr() throws -> String? { try presence() ? try str() : nil }
    mutating func strList() throws -> [String] {
        let n = try count()
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try str()) }
        return out
    }
    mutating func ts() throws -> Timestamp { Timestamp(microseconds: try i64()) }
    mutating func optTs() throws -> Timestamp? { try presence() ? try ts() : nil }

    mutating func floats(expected: Int?) throws -> [Float] {
        let n = try count(minItemBytes: 4)
        if let expected, n != expected { throw fail("vector of \(n) components, store dimension is \(expected)") }
        let raw = try bytes(n * 4)
        return [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            if n > 0 { UnsafeMutableRawBufferPointer(buf).copyMemory(from: raw) }
            initialized = n
        }
    }

    func expectEnd() throws {
        guard isAtEnd else { throw fail("\(remaining) unexpected trailing bytes") }
    }
}
