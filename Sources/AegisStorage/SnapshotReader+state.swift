import AegisCore
import AegisLog
import Dispatch

/// Building the state from a verified snapshot's sections (docs/format-storage.md §4):
/// memory rows decoded on two threads while a third verifies the section checksums, then the
/// lookups, votes, sessions and features.
extension SnapshotReader {
    struct Header { var lsn: UInt64; var writtenAt: Timestamp; var lastTimestamp: Int64; var model: String?; var dimension: Int; var size: Int }

    func buildState(_ buf: UnsafeRawBufferPointer, file: FileBytes, path: String, header h: Header,
                    sections: [SnapshotSectionKind: Section], trace: inout OpenTrace) throws -> Loaded {
        let lsn = h.lsn, writtenAt = h.writtenAt, lastTimestamp = h.lastTimestamp, model = h.model, dimension = h.dimension, size = h.size
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
        // The rows are kept as their decompressed block bytes (docs/engine.md, "Compact rows"):
        // one arena region holds every block, at the prefix sum of the blocks' raw sizes.
        var regionOffsets: [Int] = []
        regionOffsets.reserveCapacity(blocks.count)
        var regionSize = 0
        for b in blocks {
            let rawLen = Int(buf.loadUnaligned(fromByteOffset: b.offset + 8, as: UInt32.self).littleEndian)
            guard rawLen <= StorageFormat.maxBlockRawSize else { throw corrupt(path, "memories block header invalid (raw \(rawLen))", offset: b.offset) }
            regionOffsets.append(regionSize)
            regionSize += rawLen
        }
        let region = state.rows.loadingArena.region(size: regionSize)
        let regionBox = Unchecked((base: region.base, offsets: regionOffsets))
        let regionChunk = region.index
        var liveBytes = 0
        let entries = [PackedRows.Entry](unsafeUninitializedCapacity: memCount + 1024) { out, initialized in
            let outBox = Unchecked(out.baseAddress)
            let bytesBox = Mutex(0)
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
                var cache = RowDecodeCache()
                var bytes = 0
                let regionBase = UnsafeRawPointer(regionBox.value.base)
                do {
                    try decodeBlocks(buf, mine, kind: .memories, path: path, into: regionBox.value) { r, i in
                        guard i < end, i == next else { throw corrupt(path, "memory rows out of order") }
                        let start = r.position
                        // Decoded once in full (every field checked), then kept only as bytes.
                        let row = try RowCodec.readMemoryRow(&r, slot: Int32(i), cache: &cache)
                        keys.set(i, row)
                        let length = r.position - start
                        let ref = RowArena.reference(chunk: regionChunk, offset: r.base! + start - regionBase)
                        (base + i).initialize(to: PackedRows.Entry(ref: ref, length: UInt32(length), slot: Int32(i),
                                                                   helpful: row.bulletHelpful, harmful: row.bulletHarmful,
                                                                   updatedAt: row.updatedAt.microseconds))
                        bytes += length
                        next += 1
                    }
                } catch { record(error) }
                if next < end {
                    (base + next).initialize(repeating: .deleted, count: end - next)
                    keys.fillEmpty(next..<end)
                }
                bytesBox.withLock { $0 += bytes }
            }
            liveBytes = bytesBox.withLock { $0 }
            initialized = memCount
        }
        state.rows.adoptLoaded(entries: entries, liveBytes: liveBytes)
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
        // Every byte was checked; rows were decompressed into the arena and the index section
        // copied out. The vector section stays mapped and is used in place, but its pages leave
        // the resident set too: the kernel brings back the ones a search or an insert reads (the
        // int8 codes steer the graph walk; float vectors are read to re-score a few candidates),
        // so resident memory follows use, not the store's size (docs/engine.md, "Compact
        // per-memory state"). The file is never changed in place, so re-reading is always valid.
        file.evict(0..<size)
        return Loaded(info: info, state: state, index: index)
    }
}
