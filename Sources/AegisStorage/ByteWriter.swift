/// Appends the field encodings of docs/format-storage.md §2 to a byte buffer.
struct ByteWriter {
    var bytes: [UInt8]

    init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    mutating func varint(_ v: UInt64) {
        var x = v
        while x >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: x) | 0x80)
            x >>= 7
        }
        bytes.append(UInt8(x))
    }
    mutating func varint(_ v: Int) { varint(UInt64(v)) }

    mutating func str(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            varint(buf.count)
            bytes.append(contentsOf: buf)
        }
    }
    mutating func optStr(_ s: String?) {
        if let s { u8(1); str(s) } else { u8(0) }
    }
    mutating func strList(_ l: [String]) {
        varint(l.count)
        for s in l { str(s) }
    }
    mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    mutating func raw(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }

    mutating func floats(_ v: [Float]) {
        varint(v.count)
        v.withUnsafeBytes { bytes.append(contentsOf: $0) } // little-endian hosts only (x86-64, arm64)
    }

    /// Pads with zeros to a multiple of `alignment`.
    mutating func pad(to alignment: Int) {
        let r = bytes.count % alignment
        if r != 0 { bytes.append(contentsOf: repeatElement(0, count: alignment - r)) }
    }
}
