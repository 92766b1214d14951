import AegisCore

/// The opaque index section the engine hands to the storage checkpoint: one entry per
/// project with the slot → memory id table and the encoded graph.
///
/// Layout (little-endian): magic "AEIX", u32 version (1), u32 project count; per project:
/// u32 name length + UTF-8 name, u32 slot count, per slot u8 present + (u32 length + UTF-8 id
/// when present), u64 graph byte count + graph bytes; then u64 FNV-1a-64 of everything
/// before it. Anything that does not parse or check out is ignored (the index is rebuilt
/// from the tables — it is derived data).
///
/// Version 2 (written only when `rebuild-index` pinned the HNSW build parameters) inserts
/// u32 m, u32 ef_construction right after the version; the rest is as in version 1.
enum IndexSection {
    struct Entry {
        var slots: [String?]
        var graph: [UInt8]
    }
    static let magic: [UInt8] = Array("AEIX".utf8)
    static let version: UInt32 = 1
    static let versionWithParameters: UInt32 = 2

    static func encode(_ spaces: [String: ProjectSpace], pinned: IndexParameters? = nil) -> [UInt8] {
        var out = magic
        if let pinned {
            put32(&out, versionWithParameters)
            put32(&out, UInt32(pinned.m))
            put32(&out, UInt32(pinned.efConstruction))
        } else {
            put32(&out, version)
        }
        let names = spaces.keys.sorted()
        put32(&out, UInt32(names.count))
        for name in names {
            let s = spaces[name]!
            putString(&out, name)
            let slots = s.slotIds
            put32(&out, UInt32(slots.count))
            for id in slots {
                if let id { out.append(1); putString(&out, id) } else { out.append(0) }
            }
            let graph = s.ann?.encode() ?? []
            put64(&out, UInt64(graph.count))
            out.append(contentsOf: graph)
        }
        put64(&out, fnv1a(out))
        return out
    }

    static func decode(_ bytes: [UInt8]) -> [String: Entry]? { decodeWithParameters(bytes)?.entries }

    /// The entries and the pinned build parameters (version 2).
    static func decodeWithParameters(_ bytes: [UInt8]) -> (entries: [String: Entry], pinned: IndexParameters?)? {
        guard bytes.count >= 20, Array(bytes[0..<4]) == magic else { return nil }
        let body = bytes[0..<(bytes.count - 8)]
        var r = Reader(bytes: bytes, pos: bytes.count - 8)
        guard let sum = r.u64(), sum == fnv1a(body) else { return nil }
        r = Reader(bytes: bytes, pos: 4, end: bytes.count - 8)   // the body, read in place
        var pinned: IndexParameters?
        switch r.u32() {
        case version: break
        case versionWithParameters:
            guard let m = r.u32(), let ef = r.u32() else { return nil }
            pinned = IndexParameters(m: Int(m), efConstruction: Int(ef))
        default: return nil
        }
        guard let n = r.u32() else { return nil }
        var out: [String: Entry] = [:]
        for _ in 0..<n {
            guard let name = r.string(), let slotCount = r.u32(), Int(slotCount) <= bytes.count else { return nil }
            var slots: [String?] = []
            slots.reserveCapacity(Int(slotCount))
            for _ in 0..<slotCount {
                guard let present = r.u8() else { return nil }
                if present == 1 { guard let id = r.string() else { return nil }; slots.append(id) } else { slots.append(nil) }
            }
            guard let len = r.u64(), let graph = r.bytes(Int(clamping: len)) else { return nil }
            out[name] = Entry(slots: slots, graph: graph)
        }
        return (out, pinned)
    }

    static func put32(_ o: inout [UInt8], _ v: UInt32) { for i in 0..<4 { o.append(UInt8(truncatingIfNeeded: v >> (8 * UInt32(i)))) } }
    static func put64(_ o: inout [UInt8], _ v: UInt64) { for i in 0..<8 { o.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
    static func putString(_ o: inout [UInt8], _ s: String) { let u = Array(s.utf8); put32(&o, UInt32(u.count)); o.append(contentsOf: u) }

    static func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h ^= UInt64(b); h = h &* 0x100_0000_01b3 }
        return h
    }

    struct Reader {
        let bytes: [UInt8]
        var pos: Int
        /// Reads stop here (the checksum trailer is not body).
        var end: Int
        init(bytes: [UInt8], pos: Int, end: Int? = nil) { self.bytes = bytes; self.pos = pos; self.end = end ?? bytes.count }
        mutating func u8() -> UInt8? { guard pos < end else { return nil }; defer { pos += 1 }; return bytes[pos] }
        mutating func u32() -> UInt32? {
            guard pos + 4 <= end else { return nil }
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(bytes[pos + i]) << (8 * UInt32(i)) }
            pos += 4; return v
        }
        mutating func u64() -> UInt64? {
            guard pos + 8 <= end else { return nil }
            var v: UInt64 = 0
            for i in 0..<8 { v |= UInt64(bytes[pos + i]) << (8 * UInt64(i)) }
            pos += 8; return v
        }
        mutating func bytes(_ n: Int) -> [UInt8]? {
            guard n >= 0, n <= end - pos else { return nil }
            defer { pos += n }
            return Array(bytes[pos..<(pos + n)])
        }
        mutating func string() -> String? {
            guard let n = u32(), let b = bytes(Int(n)) else { return nil }
            return String(decoding: b, as: UTF8.self)
        }
    }
}

