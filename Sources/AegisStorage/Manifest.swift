import AegisCore
import AegisLog

/// The `CURRENT` file (docs/format-storage.md §5): the current snapshots, newest first.
struct Manifest: Equatable {
    struct Entry: Equatable { var lsn: UInt64; var fileSize: UInt64; var writtenAt: Int64 }
    var sequence: UInt64
    var entries: [Entry]

    func encode() -> [UInt8] {
        var w = ByteWriter(capacity: 64 + entries.count * StorageFormat.manifestEntrySize)
        w.raw(StorageFormat.manifestMagic)
        w.u16(StorageFormat.manifestVersion)
        w.u16(UInt16(entries.count))
        w.u32(0)
        w.u64(sequence)
        for e in entries { w.u64(e.lsn); w.u64(e.fileSize); w.i64(e.writtenAt); w.u64(0) }
        w.u64(Checksum.xxh3(w.bytes))
        return w.bytes
    }

    static func decode(_ bytes: [UInt8], path: String) throws -> Manifest {
        try bytes.withUnsafeBytes { buf in
            var r = ByteReader(buf, what: path)
            guard buf.count >= StorageFormat.manifestHeaderSize + 8, Array(try r.bytes(8)) == StorageFormat.manifestMagic else {
                throw AegisError.corruption("manifest has a bad magic or is truncated", file: path)
            }
            let version = try r.u16()
            guard version <= StorageFormat.manifestVersion else {
                throw AegisError(.unsupportedVersion, "manifest version \(version) is newer than this build", location: .init(file: path))
            }
            let n = Int(try r.u16())
            _ = try r.u32()
            let seq = try r.u64()
            guard n >= 1, n <= StorageFormat.maxManifestEntries,
                  buf.count == StorageFormat.manifestHeaderSize + n * StorageFormat.manifestEntrySize + 8 else {
                throw AegisError.corruption("manifest lists \(n) entries in \(buf.count) bytes", file: path)
            }
            let sum = buf.loadUnaligned(fromByteOffset: buf.count - 8, as: UInt64.self).littleEndian
            guard Checksum.xxh3(UnsafeRawBufferPointer(rebasing: buf[0..<(buf.count - 8)])) == sum else {
                throw AegisError.corruption("manifest checksum mismatch", file: path)
            }
            var entries: [Entry] = []
            for _ in 0..<n {
                let lsn = try r.u64(), size = try r.u64(), at = try r.i64()
                _ = try r.u64()
                entries.append(Entry(lsn: lsn, fileSize: size, writtenAt: at))
            }
            return Manifest(sequence: seq, entries: entries)
        }
    }
}
