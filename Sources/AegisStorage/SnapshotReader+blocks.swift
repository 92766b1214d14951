import AegisCore
import AegisLog

/// Record-section blocks (docs/format-storage.md §4): listing, splitting, verified decoding.
extension SnapshotReader {
    struct Block { var offset: Int; var firstRow: Int; var count: Int; var storedLength: Int }

    /// The blocks of a record section from their headers (bounds-checked; checksums are
    /// verified when a block is decoded).
    func blockList(_ buf: UnsafeRawBufferPointer, _ s: Section, path: String) throws -> [Block] {
        var out: [Block] = []
        var pos = s.offset
        let end = s.offset + s.length
        var rows = 0
        while pos < end {
            guard end - pos >= StorageFormat.blockHeaderSize else { throw corrupt(path, "\(s.kind) block header truncated", offset: pos) }
            let storedLen = Int(buf.loadUnaligned(fromByteOffset: pos + 12, as: UInt32.self).littleEndian)
            let count = Int(buf.loadUnaligned(fromByteOffset: pos + 16, as: UInt32.self).littleEndian)
            guard storedLen <= end - pos - StorageFormat.blockHeaderSize, count <= s.length else {
                throw corrupt(path, "\(s.kind) block header invalid", offset: pos)
            }
            out.append(Block(offset: pos, firstRow: rows, count: count, storedLength: storedLen))
            rows += count
            pos += StorageFormat.blockHeaderSize + storedLen
        }
        guard rows == s.count else { throw corrupt(path, "\(s.kind) section holds \(rows) rows, table says \(s.count)", offset: s.offset) }
        return out
    }

    /// Index splitting `blocks` into two halves of about equal bytes.
    static func split(_ blocks: [Block]) -> Int {
        let total = blocks.reduce(0) { $0 + $1.storedLength }
        var acc = 0
        for (i, b) in blocks.enumerated() {
            acc += b.storedLength
            if acc * 2 >= total { return i + 1 }
        }
        return blocks.count
    }

    func decodeBlocks(_ buf: UnsafeRawBufferPointer, _ s: Section, path: String,
                              row: (inout ByteReader, Int) throws -> Void) throws {
        try decodeBlocks(buf, try blockList(buf, s, path: path)[...], kind: s.kind, path: path, row: row)
    }

    /// Decodes blocks: checksum before decompression, capped raw size, rows must consume each
    /// block exactly. `row` gets the reader and the row's index in the section.
    /// `into`: where to put each block's raw bytes instead of a scratch buffer (block `k` of the
    /// section at `base + offsets[k]`; the caller sized it from the headers' raw lengths), so
    /// the rows' bytes can be kept after decoding.
    func decodeBlocks(_ buf: UnsafeRawBufferPointer, _ blocks: ArraySlice<Block>, kind: SnapshotSectionKind, path: String,
                      into region: (base: UnsafeMutableRawPointer, offsets: [Int])? = nil,
                      row: (inout ByteReader, Int) throws -> Void) throws {
        let s = (kind: kind, unused: 0)
        // One decompression buffer, grown to the largest block (blocks differ in raw size; a
        // fresh zeroed buffer per block cost page faults and a memset each).
        var scratch: [UInt8] = []
        for (k, block) in zip(blocks.indices, blocks) {
            let pos = block.offset
            var seen = block.firstRow
            let end = pos + StorageFormat.blockHeaderSize + block.storedLength
            let h = UnsafeRawBufferPointer(rebasing: buf[pos..<(pos + StorageFormat.blockHeaderSize)])
            let sum = h.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian
            let rawLen = Int(h.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian)
            let storedLen = Int(h.loadUnaligned(fromByteOffset: 12, as: UInt32.self).littleEndian)
            let count = Int(h.loadUnaligned(fromByteOffset: 16, as: UInt32.self).littleEndian)
            let flags = h.loadUnaligned(fromByteOffset: 20, as: UInt32.self).littleEndian
            guard rawLen <= StorageFormat.maxBlockRawSize, storedLen <= end - pos - StorageFormat.blockHeaderSize,
                  flags & ~StorageFormat.flagBlockLZ4 == 0, count <= rawLen, count == block.count else {
                throw corrupt(path, "\(s.kind) block header invalid (raw \(rawLen), stored \(storedLen), rows \(count), flags \(flags))", offset: pos)
            }
            let stored = UnsafeRawBufferPointer(rebasing: buf[(pos + StorageFormat.blockHeaderSize)..<(pos + StorageFormat.blockHeaderSize + storedLen)])
            var hasher = Checksum.Hasher()
            hasher.update(UnsafeRawBufferPointer(rebasing: h[8..<StorageFormat.blockHeaderSize]))
            hasher.update(stored)
            guard hasher.finalize() == sum else { throw corrupt(path, "\(s.kind) block checksum mismatch", offset: pos) }
            func rows(_ raw: UnsafeRawBufferPointer) throws {
                var r = ByteReader(raw, what: "\(path) \(s.kind) block at \(pos)")
                for _ in 0..<count {
                    try row(&r, seen)
                    seen += 1
                }
                try r.expectEnd()
            }
            if let region {
                let dst = UnsafeMutableRawBufferPointer(start: region.base + region.offsets[k], count: rawLen)
                if flags & StorageFormat.flagBlockLZ4 != 0 {
                    do { try LZ4Block.decompress(stored, into: dst) } catch {
                        throw corrupt(path, "\(s.kind) block does not decompress: \(error)", offset: pos)
                    }
                } else {
                    guard storedLen == rawLen else { throw corrupt(path, "\(s.kind) uncompressed block sizes differ", offset: pos) }
                    if rawLen > 0 { dst.copyMemory(from: stored) }
                }
                try rows(UnsafeRawBufferPointer(dst))
            } else if flags & StorageFormat.flagBlockLZ4 != 0 {
                if scratch.count < rawLen { scratch = [UInt8](repeating: 0, count: max(rawLen, min(2 * scratch.count, StorageFormat.maxBlockRawSize))) }
                do {
                    try scratch.withUnsafeMutableBytes { try LZ4Block.decompress(stored, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<rawLen])) }
                } catch {
                    throw corrupt(path, "\(s.kind) block does not decompress: \(error)", offset: pos)
                }
                try scratch.withUnsafeBytes { try rows(UnsafeRawBufferPointer(rebasing: $0[0..<rawLen])) }
            } else {
                guard storedLen == rawLen else { throw corrupt(path, "\(s.kind) uncompressed block sizes differ", offset: pos) }
                try rows(stored)
            }
        }
    }
}
