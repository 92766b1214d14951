import AegisCore
import AegisLog
import Dispatch

/// What a snapshot file says about itself (header + section table).
public struct SnapshotInfo: Sendable, Equatable {
    public var path: String
    public var lsn: UInt64
    /// Commit time of the record at `lsn` (µs; 0 when lsn = 0).
    public var lastTimestamp: Int64
    public var writtenAt: Timestamp
    public var embeddingModel: String?
    public var dimension: Int
    public var fileSize: Int64
    public var memoryCount: Int
    public var voteCount: Int
    public var sessionCount: Int
    public var featureCount: Int
    /// Size of the opaque index section (0 when absent) and the LSN it reflects.
    public var indexBytes: Int
    public var indexLSN: UInt64?
}

/// Reads and fully verifies a snapshot file (docs/format-storage.md §4) and builds a state.
struct SnapshotReader {
    let io: any FileIO

    struct Loaded {
        var info: SnapshotInfo
        var state: StoreState
        var index: [UInt8]?
    }

    struct Section { var kind: SnapshotSectionKind; var offset: Int; var length: Int; var count: Int; var checksum: UInt64; var aux: UInt64 }

    func load(_ path: String) throws -> Loaded {
        var trace = OpenTrace()
        let file = try io.readWholeFile(path, maxSize: Int.max)
        trace.mark("map \(path)")
        return try file.withUnsafeBytes { buf in try parse(buf, file: file, path: path) }
    }

    func corrupt(_ path: String, _ msg: String, offset: Int? = nil) -> AegisError {
        AegisError.corruption("snapshot \(msg)", file: path, offset: offset.map(Int64.init))
    }

    private func parse(_ buf: UnsafeRawBufferPointer, file: FileBytes, path: String) throws -> Loaded {
        var trace = OpenTrace()
        let size = buf.count
        let minSize = StorageFormat.snapshotHeaderSize + StorageFormat.snapshotTrailerSize
        guard size >= minSize else { throw corrupt(path, "is \(size) bytes, shorter than header + trailer (half-written?)") }

        // Header first: a newer version must be reported as such even if the rest differs.
        var hr = ByteReader(UnsafeRawBufferPointer(rebasing: buf[0..<StorageFormat.snapshotHeaderSize]), what: path)
        let magic = Array(try hr.bytes(8))
        guard magic == StorageFormat.snapshotMagic else { throw corrupt(path, "has a bad magic", offset: 0) }
        let version = try hr.u16()
        guard version <= StorageFormat.snapshotVersion else {
            throw AegisError(.unsupportedVersion, "snapshot format version \(version) is newer than this build (≤ \(StorageFormat.snapshotVersion))",
                             location: .init(file: path))
        }
        guard version >= 1 else { throw corrupt(path, "has format version 0", offset: 8) }
        let headerChecksum = buf.loadUnaligned(fromByteOffset: StorageFormat.snapshotHeaderChecksumOffset, as: UInt64.self).littleEndian
        guard Checksum.xxh3(UnsafeRawBufferPointer(rebasing: buf[0..<StorageFormat.snapshotHeaderChecksumOffset])) == headerChecksum else {
            throw corrupt(path, "header checksum mismatch", offset: 0)
        }
        let headerSize = Int(try hr.u16())
        guard headerSize == StorageFormat.snapshotHeaderSize else { throw corrupt(path, "header size \(headerSize)", offset: 10) }
        _ = try hr.u32()
        let lsn = try hr.u64()
        let writtenAt = try hr.ts()
        let lastTimestamp = try hr.i64()
        let dimension = Int(try hr.u32())
        let nameLen = Int(try hr.u16())
        _ = try hr.u16()
        guard nameLen <= StorageFormat.maxModelNameBytes else { throw corrupt(path, "model name length \(nameLen)", offset: 44) }
        let nameBytes = try hr.bytes(StorageFormat.maxModelNameBytes)
        let model = nameLen == 0 ? nil : String(decoding: UnsafeRawBufferPointer(rebasing: nameBytes[0..<nameLen]), as: UTF8.self)

        // Trailer.
        let tOff = size - StorageFormat.snapshotTrailerSize
        let trailer = UnsafeRawBufferPointer(rebasing: buf[tOff..<size])
        guard Array(trailer[48..<56]) == StorageFormat.snapshotEndMagic,
              Checksum.xxh3(UnsafeRawBufferPointer(rebasing: trailer[0..<StorageFormat.snapshotTrailerChecksumOffset]))
                == trailer.loadUnaligned(fromByteOffset: StorageFormat.snapshotTrailerChecksumOffset, as: UInt64.self).littleEndian else {
            throw corrupt(path, "has no valid trailer (half-written or damaged)", offset: tOff)
        }
        var tr = ByteReader(trailer, what: path)
        let tableOffset = try tr.u64(), tableLength = try tr.u64(), sectionCount = Int(try tr.u32())
        _ = try tr.u32()
        let trailerLSN = try tr.u64(), tableChecksum = try tr.u64(), fileLength = try tr.u64()
        guard fileLength == UInt64(size) else { throw corrupt(path, "trailer says \(fileLength) bytes, file has \(size)", offset: tOff) }
        guard trailerLSN == lsn else { throw corrupt(path, "header LSN \(lsn) ≠ trailer LSN \(trailerLSN)", offset: tOff) }
        guard sectionCount <= StorageFormat.maxSections, tableLength == UInt64(sectionCount * StorageFormat.sectionEntrySize),
              tableOffset >= UInt64(StorageFormat.snapshotHeaderSize), tableOffset + tableLength <= UInt64(tOff) else {
            throw corrupt(path, "section table out of bounds", offset: tOff)
        }
        let table = UnsafeRawBufferPointer(rebasing: buf[Int(tableOffset)..<Int(tableOffset + tableLength)])
        guard Checksum.xxh3(table) == tableChecksum else { throw corrupt(path, "section table checksum mismatch", offset: Int(tableOffset)) }

        var sections: [SnapshotSectionKind: Section] = [:]
        var ttr = ByteReader(table, what: path)
        for _ in 0..<sectionCount {
            let kindRaw = try ttr.u32()
            _ = try ttr.u32()
            let off = try ttr.u64(), len = try ttr.u64(), count = try ttr.u64(), sum = try ttr.u64(), aux = try ttr.u64()
            guard let kind = SnapshotSectionKind(rawValue: kindRaw) else {
                throw AegisError(.unsupportedVersion, "snapshot section kind \(kindRaw) is unknown to this build", location: .init(file: path))
            }
            guard sections[kind] == nil, off % UInt64(StorageFormat.sectionAlignment) == 0,
                  off >= UInt64(StorageFormat.snapshotHeaderSize), len <= tableOffset, off <= tableOffset - len,
                  count <= len + 1 else {
                throw corrupt(path, "section \(kind) entry out of bounds", offset: Int(tableOffset))
            }
            let s = Section(kind: kind, offset: Int(off), length: Int(len), count: Int(count), checksum: sum, aux: aux)
            sections[kind] = s
        }
        // Every byte between the header and the table is either in a section or zero padding
        // (< 64 bytes before each section and before the table), so no bit of the file is unchecked.
        guard tableOffset + tableLength == UInt64(tOff) else { throw corrupt(path, "bytes between the section table and the trailer", offset: Int(tableOffset)) }
        var cursor = StorageFormat.snapshotHeaderSize
        for s in sections.values.sorted(by: { ($0.offset, $0.length) < ($1.offset, $1.length) }) + [Section(kind: .index, offset: Int(tableOffset), length: 0, count: 0, checksum: 0, aux: 0)] {
            guard s.offset >= cursor, s.offset - cursor < StorageFormat.sectionAlignment else {
                throw corrupt(path, "sections overlap or leave a gap at byte \(cursor)", offset: cursor)
            }
            for i in cursor..<s.offset where buf[i] != 0 { throw corrupt(path, "non-zero padding byte", offset: i) }
            cursor = s.offset + s.length
        }
        for k in [SnapshotSectionKind.memories, .votes, .sessions, .features, .vectors] where sections[k] == nil {
            throw corrupt(path, "lacks the \(k) section")
        }

        let header = Header(lsn: lsn, writtenAt: writtenAt, lastTimestamp: lastTimestamp, model: model, dimension: dimension, size: size)
        return try buildState(buf, file: file, path: path, header: header, sections: sections, trace: &trace)
    }
}
