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

    private func corrupt(_ path: String, _ msg: String, offset: Int? = nil) -> AegisError {
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

        // Build the state.
        let state = StoreState()
        state.lastLSN = lsn
        state.lastTimestamp = lastTimestamp
        state.embeddingModel = model
        state.dimension = dimension
        let vec = sections[.vectors]!
        let memCount = sections[.memories]!.count
        guard vec.count == memCount, Int(vec.aux) == dimension,
              vec.length == memCount * dimension * 4 else {
            throw corrupt(path, "vector section holds \(vec.count)×\(vec.aux) floats in \(vec.length) bytes for \(memCount) memories of dimension \(dimension)", offset: vec.offset)
        }
        if dimension > 0 {
            let p = memCount == 0 ? nil : (buf.baseAddress! + vec.offset).assumingMemoryBound(to: Float.self)
            state.vectors = VectorArena(dimension: dimension, base: file, pointer: p.map { UnsafePointer($0) }, count: memCount)
        } else if memCount > 0 {
            throw corrupt(path, "holds memories but no vector dimension")
        }

        // Section checksums (vectors dominate) run beside the parallel decoding of the memory rows.
        let memSection = sections[.memories]!
        let blocks = try blockList(buf, memSection, path: path)
        let half = SnapshotReader.split(blocks)
        let failures = Mutex<[AegisError]>([])
        let bufBox = Unchecked(buf)
        let sectionList = Array(sections.values)
        let keys = RowKeys(capacity: memCount)
        defer { keys.release() }
        state.rows = [MemoryRow?](unsafeUninitializedCapacity: memCount + 1024) { out, initialized in
            let outBox = Unchecked(out.baseAddress)
            DispatchQueue.concurrentPerform(iterations: 3) { job in
                var jobTrace = OpenTrace()
                defer { jobTrace.mark(job == 0 ? "section checksums" : "decode job \(job)") }
                let buf = bufBox.value
                func record(_ e: any Error) { failures.withLock { $0.append(e as? AegisError ?? AegisError(.internal, "\(e)")) } }
                if job == 0 {
                    for sec in sectionList {
                        if Checksum.xxh3(UnsafeRawBufferPointer(rebasing: buf[sec.offset..<(sec.offset + sec.length)])) != sec.checksum {
                            record(corrupt(path, "\(sec.kind) section checksum mismatch", offset: sec.offset))
                        }
                    }
                    return
                }
                guard let base = outBox.value else { return }
                let mine = job == 1 ? blocks[..<half] : blocks[half...]
                var next = mine.first?.firstRow ?? memCount
                let end = mine.last.map { $0.firstRow + $0.count } ?? memCount
                do {
                    try decodeBlocks(buf, mine, kind: .memories, path: path) { r, i in
                        guard i < end, i == next else { throw corrupt(path, "memory rows out of order") }
                        let row = try RowCodec.readMemoryRow(&r, slot: Int32(i))
                        keys.set(i, row)
                        (base + i).initialize(to: row)
                        next += 1
                    }
                } catch { record(error) }
                if next < end {
                    (base + next).initialize(repeating: nil, count: end - next)
                    keys.fillEmpty(next..<end)
                }
            }
            initialized = memCount
        }
        trace.mark("memory rows decoded + section checksums")
        if let e = failures.withLock({ $0.first }) { throw e }
        guard blocks.reduce(0, { $0 + $1.count }) == memCount else { throw corrupt(path, "memories section holds \(blocks.reduce(0) { $0 + $1.count }) rows, table says \(memCount)") }
        try buildIndexes(state, keys: keys, path: path)
        state.liveMemories = memCount
        trace.mark("memory lookups built")

        try decodeBlocks(buf, sections[.votes]!, path: path) { r, _ in
            let v = try RowCodec.readVote(&r)
            guard let r = state.rowNumber(project: v.projectId, id: v.memoryId) else {
                throw corrupt(path, "vote \(v.id) refers to a missing memory \(v.memoryId)")
            }
            state.project(v.projectId).addVote(v, row: r)
        }
        try decodeBlocks(buf, sections[.sessions]!, path: path) { r, _ in
            let s = try RowCodec.readSession(&r)
            let t = state.project(s.projectId)
            guard t.sessions[s.sessionId] == nil else { throw corrupt(path, "session \(s.sessionId) appears twice") }
            t.sessions[s.sessionId] = s
        }
        try decodeBlocks(buf, sections[.features]!, path: path) { r, _ in
            let f = try RowCodec.readFeature(&r)
            let t = state.project(f.projectId)
            guard t.features[FeatureKey(namespace: f.namespace, featureId: f.featureId)] == nil else {
                throw corrupt(path, "feature \(f.featureId) appears twice")
            }
            t.addFeature(f)
        }

        trace.mark("votes, sessions, features")
        var index: [UInt8]?
        var indexLSN: UInt64?
        if let s = sections[.index] {
            index = Array(UnsafeRawBufferPointer(rebasing: buf[s.offset..<(s.offset + s.length)]))
            indexLSN = s.aux
        }
        let info = SnapshotInfo(path: path, lsn: lsn, lastTimestamp: lastTimestamp, writtenAt: writtenAt,
                                embeddingModel: model, dimension: dimension, fileSize: Int64(size), memoryCount: memCount,
                                voteCount: sections[.votes]!.count, sessionCount: sections[.sessions]!.count,
                                featureCount: sections[.features]!.count, indexBytes: index?.count ?? 0, indexLSN: indexLSN)
        return Loaded(info: info, state: state, index: index)
    }

    struct Block { var offset: Int; var firstRow: Int; var count: Int; var storedLength: Int }

    /// The blocks of a record section from their headers (bounds-checked; checksums are
    /// verified when a block is decoded).
    private func blockList(_ buf: UnsafeRawBufferPointer, _ s: Section, path: String) throws -> [Block] {
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

    private func decodeBlocks(_ buf: UnsafeRawBufferPointer, _ s: Section, path: String,
                              row: (inout ByteReader, Int) throws -> Void) throws {
        try decodeBlocks(buf, try blockList(buf, s, path: path)[...], kind: s.kind, path: path, row: row)
    }

    /// Decodes blocks: checksum before decompression, capped raw size, rows must consume each
    /// block exactly. `row` gets the reader and the row's index in the section.
    private func decodeBlocks(_ buf: UnsafeRawBufferPointer, _ blocks: ArraySlice<Block>, kind: SnapshotSectionKind, path: String,
                              row: (inout ByteReader, Int) throws -> Void) throws {
        let s = (kind: kind, unused: 0)
        var scratch: [UInt8] = []
        for block in blocks {
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
            if flags & StorageFormat.flagBlockLZ4 != 0 {
                if scratch.count != rawLen { scratch = [UInt8](repeating: 0, count: rawLen) }
                do {
                    try scratch.withUnsafeMutableBytes { try LZ4Block.decompress(stored, into: $0) }
                } catch {
                    throw corrupt(path, "\(s.kind) block does not decompress: \(error)", offset: pos)
                }
                try scratch.withUnsafeBytes { try rows($0) }
            } else {
                guard storedLen == rawLen else { throw corrupt(path, "\(s.kind) uncompressed block sizes differ", offset: pos) }
                try rows(stored)
            }
        }
    }

    /// Builds the per-project lookups from the row keys (three independent jobs in parallel).
    private func buildIndexes(_ state: StoreState, keys: RowKeys, path: String) throws {
        var trace = OpenTrace()
        let n = keys.count
        // Project of every row (rows of one project are usually contiguous).
        var projectIds: [String] = []
        var projectOf = [UInt16](repeating: 0, count: n)
        var last = "", lastIndex: UInt16 = 0, lookup: [String: UInt16] = [:]
        for i in 0..<n {
            let p = keys.projects[i]
            if i == 0 || p != last {
                if let k = lookup[p] { lastIndex = k } else {
                    guard projectIds.count < Int(UInt16.max) else { throw corrupt(path, "more than 65535 projects") }
                    lastIndex = UInt16(projectIds.count); lookup[p] = lastIndex; projectIds.append(p)
                }
                last = p
            }
            projectOf[i] = lastIndex
        }
        var counts = [Int](repeating: 0, count: projectIds.count)
        for k in projectOf { counts[Int(k)] += 1 }
        let tables = projectIds.map { state.project($0) }
        trace.mark("row projects")

        let duplicate = Mutex<String?>(nil)
        let box = Unchecked((tables: tables, projectOf: projectOf, counts: counts))
        DispatchQueue.concurrentPerform(iterations: 3) { job in
            var jobTrace = OpenTrace()
            defer { jobTrace.mark("lookup job \(job)") }
            let (tables, projectOf, counts) = box.value
            switch job {
            case 0:
                var byId = counts.map { [IdKey: Int32](minimumCapacity: $0) }
                for i in 0..<n {
                    let k = Int(projectOf[i])
                    // Moved out of `keys` (no retain/release of a million strings).
                    let key = (keys.ids + i).move()
                    if byId[k].updateValue(Int32(i), forKey: key) != nil { duplicate.withLock { $0 = key.id } }
                }
                keys.idsMoved = true
                for (k, t) in tables.enumerated() { t.memoryById = byId[k] }
            case 1:
                var byHash = counts.map { [HashKey: SlotList](minimumCapacity: $0) }
                for i in 0..<n {
                    let k = Int(projectOf[i])
                    let h = keys.hashes[i]
                    // One probe in the usual case (a hash seen once).
                    if let l = byHash[k].updateValue(.one(Int32(i)), forKey: h) { byHash[k][h] = l.appending(Int32(i)) }
                }
                for (k, t) in tables.enumerated() { t.byHash = byHash[k] }
            default:
                var byAgent = tables.map { _ in [String?: [Int32]]() }
                var byNamespace = tables.map { _ in [String: [Int32]]() }
                for i in 0..<n {
                    let k = Int(projectOf[i])
                    byAgent[k][keys.agents[i], default: []].append(Int32(i))
                    byNamespace[k][keys.namespaces[i], default: []].append(Int32(i))
                }
                for (k, t) in tables.enumerated() {
                    t.byAgent = byAgent[k].mapValues { RowSet(sorted: $0) }
                    t.byNamespace = byNamespace[k].mapValues { RowSet(sorted: $0) }
                }
            }
        }
        if let d = duplicate.withLock({ $0 }) { throw corrupt(path, "memory \(d) appears twice") }
    }
}

/// The lookup keys of every decoded row, in flat buffers written by the decoding jobs (each
/// writes its own rows), so index building never copies whole rows.
final class RowKeys: @unchecked Sendable {
    let count: Int
    let ids: UnsafeMutablePointer<IdKey>
    /// Set once index building moved the ids out (then `release` leaves them alone).
    var idsMoved = false
    let projects: UnsafeMutablePointer<String>
    let hashes: UnsafeMutablePointer<HashKey>
    let agents: UnsafeMutablePointer<String?>
    let namespaces: UnsafeMutablePointer<String>

    init(capacity: Int) {
        count = capacity
        ids = .allocate(capacity: max(1, capacity)); projects = .allocate(capacity: max(1, capacity))
        hashes = .allocate(capacity: max(1, capacity)); agents = .allocate(capacity: max(1, capacity))
        namespaces = .allocate(capacity: max(1, capacity))
    }
    func set(_ i: Int, _ row: MemoryRow) {
        (ids + i).initialize(to: IdKey(row.id)); (projects + i).initialize(to: row.projectId); (hashes + i).initialize(to: row.hash)
        (agents + i).initialize(to: row.agentId); (namespaces + i).initialize(to: row.namespace)
    }
    func fillEmpty(_ r: Range<Int>) {
        for i in r { set(i, MemoryRow(id: "", projectId: "", userId: nil, agentId: nil, namespace: "", memoryType: .standard, content: "",
                                      hash: HashKey(a: 0, b: 0, c: 0, d: 0), metadata: [:], scope: .global, sharedWithAgents: [],
                                      derivedFromAgents: [], coordinationMetadata: [:], createdAt: Timestamp(microseconds: 0),
                                      updatedAt: Timestamp(microseconds: 0), expiresAt: nil, bulletHelpful: 0, bulletHarmful: 0,
                                      isDeprecated: false, deprecatedAt: nil, deprecatedBy: nil, supersededBy: nil,
                                      sourceTrajectoryId: nil, errorPattern: nil, slot: -1)) }
    }
    func release() {
        if !idsMoved { ids.deinitialize(count: count) }
        projects.deinitialize(count: count); hashes.deinitialize(count: count)
        agents.deinitialize(count: count); namespaces.deinitialize(count: count)
        ids.deallocate(); projects.deallocate(); hashes.deallocate(); agents.deallocate(); namespaces.deallocate()
    }
}

/// Hands a value to concurrently running jobs that only read it (or write disjoint parts).
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

