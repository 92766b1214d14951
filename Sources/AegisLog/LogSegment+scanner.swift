/// Walks the records of one segment file, reading it in large chunks (docs/format.md §4–6).
struct SegmentScanner {
    static let chunkSize = 1 << 20

    enum Outcome {
        /// A record whose checksum, structure and LSN are valid; its bytes are in the buffer.
        case record(RecordHeader)
        /// Clean end of file.
        case end
        /// Fails length/fit/checksum checks: torn tail or corruption, decided by `classifyTail`.
        case bad(String)
        /// Valid checksum but impossible content: always corruption.
        case corrupt(String)
    }

    let io: any FileIO
    let handle: IOHandle
    let maxRecordSize: Int
    var fileSize: Int64
    private var buffer: [UInt8] = []
    private var bufferStart: Int64 = 0
    private var bufferCount = 0
    private var scratch: [UInt8] = []

    init(io: any FileIO, handle: IOHandle, fileSize: Int64, maxRecordSize: Int) {
        self.io = io
        self.handle = handle
        self.fileSize = fileSize
        self.maxRecordSize = maxRecordSize
    }

    /// Makes the buffer cover `[offset, offset + count)`; false if the file is shorter.
    mutating func ensure(_ offset: Int64, _ count: Int, reload: Bool = false) throws -> Bool {
        if offset + Int64(count) > fileSize { return false }
        if !reload, offset >= bufferStart, offset + Int64(count) <= bufferStart + Int64(bufferCount) { return true }
        let toRead = Int(min(Int64(max(count, Self.chunkSize)), fileSize - offset))
        if buffer.count < toRead { buffer = [UInt8](repeating: 0, count: toRead) }
        let io = self.io, handle = self.handle
        let n = try buffer.withUnsafeMutableBytes {
            try io.pread(handle, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<toRead]), at: offset)
        }
        bufferStart = offset
        bufferCount = n
        return n >= count
    }

    /// Calls `body` with the bytes `[offset, offset + count)`, which `ensure` made resident.
    func withBytes<R>(_ offset: Int64, _ count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let start = Int(offset - bufferStart)
        return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<(start + count)])) }
    }

    /// Checks the record at `offset`.
    mutating func check(at offset: Int64, expectedLSN: UInt64, reload: Bool = false) throws -> Outcome {
        if offset >= fileSize { return .end }
        guard try ensure(offset, LogFormat.recordHeaderSize, reload: reload) else {
            return .bad("truncated record header (\(fileSize - offset) bytes before end of file)")
        }
        let h = withBytes(offset, LogFormat.recordHeaderSize) { RecordHeader($0) }
        if h.storedLength > maxRecordSize || h.rawLength > maxRecordSize {
            return .bad("record length \(max(h.storedLength, h.rawLength)) exceeds the maximum record size \(maxRecordSize)")
        }
        let total = LogFormat.recordHeaderSize + h.storedLength
        guard try ensure(offset, total) else {
            return .bad("record of \(total) bytes extends past end of file (\(fileSize))")
        }
        let sum = withBytes(offset, total) { RecordHeader.checksum(ofRecord: $0) }
        if sum != h.checksum { return .bad("record checksum mismatch") }
        if let problem = h.structuralProblem() { return .corrupt(problem) }
        if h.lsn != expectedLSN {
            return .corrupt("record LSN \(h.lsn) where \(expectedLSN) was expected" + (h.lsn < expectedLSN ? " (LSN going backwards)" : " (LSN gap)"))
        }
        return .record(h)
    }

    /// Calls `body` with the record's payload, decompressed (into a reused buffer) if needed.
    mutating func withPayload<R>(_ h: RecordHeader, at offset: Int64, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let start = offset + Int64(LogFormat.recordHeaderSize)
        if !h.compressed { return try withBytes(start, h.storedLength, body) }
        let n = h.rawLength
        var local: [UInt8] = []
        swap(&local, &scratch)
        defer { swap(&local, &scratch) }
        if local.count < n { local = [UInt8](repeating: 0, count: n) }
        try withBytes(start, h.storedLength) { block in
            try local.withUnsafeMutableBytes { try LZ4Block.decompress(block, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return try local.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
    }

    /// After a bad record at `badOffset` in the active segment: looks for a later record with a
    /// valid checksum. One with synced-through > badOffset proves the bad bytes were once
    /// durable (mid-log corruption); others are unsynced-tail leftovers (docs/format.md §6).
    mutating func classifyTail(badOffset: Int64, minLSN: UInt64) throws -> (proof: (offset: Int64, lsn: UInt64)?, droppedValid: Int) {
        var y = badOffset + 1
        var dropped = 0
        let hs = LogFormat.recordHeaderSize
        while y + Int64(hs) <= fileSize {
            guard try ensure(y, hs) else { break }
            let h = withBytes(y, hs) { RecordHeader($0) }
            if h.storedLength <= maxRecordSize, h.rawLength <= maxRecordSize, h.structuralProblem() == nil,
               h.lsn >= minLSN, h.syncedThrough <= y, y + Int64(hs + h.storedLength) <= fileSize,
               try ensure(y, hs + h.storedLength),
               withBytes(y, hs + h.storedLength, { RecordHeader.checksum(ofRecord: $0) }) == h.checksum {
                if h.syncedThrough > badOffset { return ((y, h.lsn), dropped) }
                dropped += 1
                y += Int64(hs + h.storedLength)
                continue
            }
            y += 1
        }
        return (nil, dropped)
    }
}
