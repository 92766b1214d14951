/// Little-endian field access and the encoders/decoders of docs/format.md §3–4.
enum LE {
    @inline(__always) static func u16(_ p: UnsafeRawBufferPointer, _ o: Int) -> UInt16 { UInt16(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
    @inline(__always) static func u32(_ p: UnsafeRawBufferPointer, _ o: Int) -> UInt32 { UInt32(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    @inline(__always) static func u64(_ p: UnsafeRawBufferPointer, _ o: Int) -> UInt64 { UInt64(littleEndian: p.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }
    @inline(__always) static func put<T: FixedWidthInteger>(_ v: T, _ p: UnsafeMutableRawBufferPointer, _ o: Int) {
        p.storeBytes(of: v.littleEndian, toByteOffset: o, as: T.self)
    }
}

/// The 40-byte segment header.
struct SegmentHeader: Equatable {
    var version: UInt16 = LogFormat.formatVersion
    var segmentNumber: UInt64
    var firstLSN: UInt64

    func encode() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: LogFormat.segmentHeaderSize)
        out.withUnsafeMutableBytes { p in
            for (i, b) in LogFormat.segmentMagic.enumerated() { p[i] = b }
            LE.put(version, p, 8)
            LE.put(UInt16(LogFormat.segmentHeaderSize), p, 10)
            LE.put(UInt32(0), p, 12)
            LE.put(segmentNumber, p, 16)
            LE.put(firstLSN, p, 24)
            let sum = Checksum.xxh3(UnsafeRawBufferPointer(rebasing: p[0..<LogFormat.segmentHeaderChecksumOffset]))
            LE.put(sum, p, LogFormat.segmentHeaderChecksumOffset)
        }
        return out
    }

    /// Decodes and validates; the error carries no file (the caller adds it).
    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> SegmentHeader {
        guard bytes.count >= LogFormat.segmentHeaderSize else {
            throw LogError(.corruption, "segment header is \(bytes.count) bytes, expected \(LogFormat.segmentHeaderSize)", offset: 0)
        }
        guard Array(bytes[0..<8]) == LogFormat.segmentMagic else {
            throw LogError(.corruption, "bad segment magic", offset: 0)
        }
        let stored = LE.u64(bytes, LogFormat.segmentHeaderChecksumOffset)
        let sum = Checksum.xxh3(UnsafeRawBufferPointer(rebasing: bytes[0..<LogFormat.segmentHeaderChecksumOffset]))
        guard stored == sum else { throw LogError(.corruption, "segment header checksum mismatch", offset: 0) }
        let version = LE.u16(bytes, 8)
        guard version <= LogFormat.formatVersion, version >= 1 else {
            throw LogError(.unsupportedVersion, "segment format version \(version); this build reads version \(LogFormat.formatVersion)", offset: 8)
        }
        guard LE.u16(bytes, 10) == UInt16(LogFormat.segmentHeaderSize), LE.u32(bytes, 12) == 0 else {
            throw LogError(.corruption, "segment header size/reserved fields invalid", offset: 10)
        }
        return SegmentHeader(version: version, segmentNumber: LE.u64(bytes, 16), firstLSN: LE.u64(bytes, 24))
    }
}

/// The fields of a record header, decoded but not yet validated.
struct RecordHeader {
    var checksum: UInt64
    var storedLength: Int
    var rawLength: Int
    var lsn: UInt64
    var timestamp: Int64
    var syncedThrough: Int64
    var type: UInt8
    var flags: UInt8
    var reserved: UInt16

    init(_ p: UnsafeRawBufferPointer) {
        typealias F = LogFormat.RecordField
        checksum = LE.u64(p, F.checksum)
        storedLength = Int(LE.u32(p, F.storedLength))
        rawLength = Int(LE.u32(p, F.rawLength))
        lsn = LE.u64(p, F.lsn)
        timestamp = Int64(bitPattern: LE.u64(p, F.timestamp))
        syncedThrough = Int64(LE.u32(p, F.syncedThrough))
        type = p[F.type]
        flags = p[F.flags]
        reserved = LE.u16(p, F.reserved)
    }

    var compressed: Bool { flags & LogFormat.flagLZ4 != 0 }

    /// The structural checks that need no payload; nil if fine.
    func structuralProblem() -> String? {
        if !LogFormat.validRecordTypes.contains(type) { return "bad record type \(type)" }
        if flags & ~LogFormat.knownFlags != 0 { return "unknown record flags 0x\(String(flags, radix: 16))" }
        if reserved != 0 { return "reserved record field is \(reserved)" }
        if !compressed && rawLength != storedLength { return "raw length \(rawLength) ≠ stored length \(storedLength) in an uncompressed record" }
        return nil
    }

    /// Checksum of a complete record (header at `record[0..<40]`, payload after it).
    static func checksum(ofRecord record: UnsafeRawBufferPointer) -> UInt64 {
        Checksum.xxh3(UnsafeRawBufferPointer(rebasing: record[LogFormat.RecordField.checksummedFrom...]))
    }
}

enum RecordEncoder {
    /// Appends one record (header + stored payload) to `buffer`.
    static func append(to buffer: inout [UInt8], lsn: UInt64, timestamp: Int64, syncedThrough: Int64,
                       type: UInt8, flags: UInt8, rawLength: Int, stored: UnsafeRawBufferPointer) {
        typealias F = LogFormat.RecordField
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: LogFormat.recordHeaderSize))
        buffer.append(contentsOf: stored)
        buffer.withUnsafeMutableBytes { all in
            let p = UnsafeMutableRawBufferPointer(rebasing: all[start..<(start + LogFormat.recordHeaderSize + stored.count)])
            LE.put(UInt32(stored.count), p, F.storedLength)
            LE.put(UInt32(rawLength), p, F.rawLength)
            LE.put(lsn, p, F.lsn)
            LE.put(UInt64(bitPattern: timestamp), p, F.timestamp)
            LE.put(UInt32(clamping: syncedThrough), p, F.syncedThrough)
            p[F.type] = type
            p[F.flags] = flags
            LE.put(UInt16(0), p, F.reserved)
            LE.put(RecordHeader.checksum(ofRecord: UnsafeRawBufferPointer(p)), p, F.checksum)
        }
    }
}
