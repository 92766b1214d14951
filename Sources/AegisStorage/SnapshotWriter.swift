import AegisCore
import AegisLog

/// Writes a snapshot file (docs/format-storage.md §4) from a `SnapshotImage`:
/// `<path>.tmp` sequentially, fsync, rename, directory fsync.
struct SnapshotWriter {
    let io: any FileIO

    struct Result { var path: String; var bytes: Int64 }

    struct SectionEntry {
        var kind: SnapshotSectionKind
        var offset: UInt64
        var length: UInt64
        var count: UInt64
        var checksum: UInt64
        var aux: UInt64
    }

    func write(_ image: SnapshotImage, to path: String, compress: Bool = true) throws -> Result {
        let tmp = path + StorageFormat.tempSuffix
        let h = try io.open(tmp, mode: .createTruncate)
        var ok = false
        defer {
            if !ok { try? io.close(h); try? io.unlink(tmp) }
        }
        var out = Output(io: io, handle: h)
        try out.write(header(image))
        var sections: [SectionEntry] = []

        // Memory rows, in row-number order; vector i belongs to the i-th row written.
        var live: [Int] = []
        live.reserveCapacity(image.liveMemories)
        for r in image.rows.indices where image.rows.isLive(r) { live.append(r) }
        let rows = image.rows
        sections.append(try writeBlocks(.memories, items: live, out: &out, compress: compress) { rows.writeEncoded($0, &$1) })

        var votes: [Vote] = [], sessions: [SessionProgress] = [], features: [FeatureRecord] = []
        for p in image.projects {
            for k in p.votes.keys.sorted() { votes.append(contentsOf: p.votes[k]!) }
            for k in p.sessions.keys.sorted() { sessions.append(p.sessions[k]!) }
            for k in p.featureOrder { if let f = p.features[k] { features.append(f) } }
        }
        sections.append(try writeBlocks(.votes, items: votes, out: &out, compress: compress) { RowCodec.writeVote($0, &$1) })
        sections.append(try writeBlocks(.sessions, items: sessions, out: &out, compress: compress) { RowCodec.writeSession($0, &$1) })
        sections.append(try writeBlocks(.features, items: features, out: &out, compress: compress) { RowCodec.writeFeature($0, &$1) })

        // Vectors: one aligned block, no compression.
        try out.align()
        let vecStart = out.offset
        var hasher = Checksum.Hasher()
        if let vectors = image.vectors, image.dimension > 0 {
            let vbytes = image.dimension * 4
            let perChunk = max(1, (4 << 20) / vbytes)
            var buf = [UInt8](repeating: 0, count: perChunk * vbytes)
            var i = 0
            while i < live.count {
                let n = min(perChunk, live.count - i)
                buf.withUnsafeMutableBytes { dst in
                    for j in 0..<n {
                        let src = UnsafeRawPointer(vectors.pointer(rows.entries[live[i + j]].slot))
                        (dst.baseAddress! + j * vbytes).copyMemory(from: src, byteCount: vbytes)
                    }
                }
                try buf.withUnsafeBytes { b in
                    let piece = UnsafeRawBufferPointer(rebasing: b[0..<(n * vbytes)])
                    hasher.update(piece)
                    try out.write(piece)
                }
                i += n
            }
        }
        sections.append(SectionEntry(kind: .vectors, offset: vecStart, length: out.offset - vecStart,
                                     count: UInt64(live.count), checksum: hasher.finalize(), aux: UInt64(image.dimension)))

        if let index = image.index {
            try out.align()
            let start = out.offset
            try out.write(index.bytes)
            sections.append(SectionEntry(kind: .index, offset: start, length: UInt64(index.bytes.count), count: 1,
                                         checksum: Checksum.xxh3(index.bytes), aux: index.lsn))
        }

        // Section table + trailer.
        try out.align()
        var table = ByteWriter(capacity: sections.count * StorageFormat.sectionEntrySize)
        for s in sections {
            table.u32(s.kind.rawValue); table.u32(0); table.u64(s.offset); table.u64(s.length)
            table.u64(s.count); table.u64(s.checksum); table.u64(s.aux)
        }
        let tableOffset = out.offset
        try out.write(table.bytes)
        var trailer = ByteWriter(capacity: StorageFormat.snapshotTrailerSize)
        trailer.u64(tableOffset); trailer.u64(UInt64(table.count)); trailer.u32(UInt32(sections.count)); trailer.u32(0)
        trailer.u64(image.lsn); trailer.u64(Checksum.xxh3(table.bytes))
        trailer.u64(out.offset + UInt64(StorageFormat.snapshotTrailerSize)); trailer.raw(StorageFormat.snapshotEndMagic)
        trailer.u64(Checksum.xxh3(trailer.bytes))
        try out.write(trailer.bytes)

        try io.fsync(h)
        try io.close(h)
        ok = true
        try io.rename(tmp, to: path)
        try io.fsyncDirectory(IOPath.directory(of: path))
        return Result(path: path, bytes: Int64(out.offset))
    }

    private func header(_ image: SnapshotImage) -> [UInt8] {
        var w = ByteWriter(capacity: StorageFormat.snapshotHeaderSize)
        w.raw(StorageFormat.snapshotMagic)
        w.u16(StorageFormat.snapshotVersion)
        w.u16(UInt16(StorageFormat.snapshotHeaderSize))
        w.u32(0)
        w.u64(image.lsn)
        w.i64(Timestamp.now().microseconds)
        w.i64(image.lastTimestamp)
        w.u32(UInt32(image.dimension))
        let name = Array((image.embeddingModel ?? "").utf8.prefix(StorageFormat.maxModelNameBytes))
        w.u16(UInt16(name.count))
        w.u16(0)
        w.raw(name)
        w.raw([UInt8](repeating: 0, count: StorageFormat.maxModelNameBytes - name.count))
        w.u64(0)
        w.u64(Checksum.xxh3(w.bytes))
        precondition(w.count == StorageFormat.snapshotHeaderSize)
        return w.bytes
    }

    /// Writes `items` as checksummed (LZ4) blocks of about `targetBlockSize` raw bytes.
    private func writeBlocks<T>(_ kind: SnapshotSectionKind, items: [T], out: inout Output, compress: Bool,
                                encode: (T, inout ByteWriter) -> Void) throws -> SectionEntry {
        try out.align()
        let start = out.offset
        var hasher = Checksum.Hasher()
        var raw = ByteWriter(capacity: StorageFormat.targetBlockSize + 4096)
        var inBlock: UInt32 = 0
        func flush() throws {
            guard inBlock > 0 else { return }
            var stored = raw.bytes
            var flags: UInt32 = 0
            if compress, let c = try? LZ4Block.compress(raw.bytes), c.count < raw.count {
                stored = c
                flags = StorageFormat.flagBlockLZ4
            }
            var head = ByteWriter(capacity: StorageFormat.blockHeaderSize)
            head.u32(UInt32(raw.count)); head.u32(UInt32(stored.count)); head.u32(inBlock); head.u32(flags); head.u64(0)
            var h = Checksum.Hasher()
            h.update(head.bytes)
            h.update(stored)
            var block = ByteWriter(capacity: StorageFormat.blockHeaderSize + stored.count)
            block.u64(h.finalize())
            block.raw(head.bytes)
            block.raw(stored)
            hasher.update(block.bytes)
            try out.write(block.bytes)
            raw = ByteWriter(capacity: StorageFormat.targetBlockSize + 4096)
            inBlock = 0
        }
        for item in items {
            encode(item, &raw)
            inBlock += 1
            if raw.count >= StorageFormat.targetBlockSize { try flush() }
        }
        try flush()
        return SectionEntry(kind: kind, offset: start, length: out.offset - start, count: UInt64(items.count),
                            checksum: hasher.finalize(), aux: 0)
    }

    /// Sequential writer that tracks the offset and pads to the section alignment.
    struct Output {
        let io: any FileIO
        let handle: IOHandle
        var offset: UInt64 = 0

        mutating func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }
        mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
            guard !bytes.isEmpty else { return }
            try io.pwrite(handle, bytes, at: Int64(offset))
            offset += UInt64(bytes.count)
        }
        mutating func align() throws {
            let a = UInt64(StorageFormat.sectionAlignment)
            let r = offset % a
            if r != 0 { try write([UInt8](repeating: 0, count: Int(a - r))) }
        }
    }
}
