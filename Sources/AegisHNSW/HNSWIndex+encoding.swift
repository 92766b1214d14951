import AegisVector
import CXXHash

/// Little-endian byte writer over a pre-sized array.
private struct ByteWriter {
    var bytes: [UInt8] = []
    init(capacity: Int) { bytes.reserveCapacity(capacity) }
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func raw(_ p: UnsafeRawPointer, _ n: Int) { bytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: n)) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
    /// A neighbour list of `words` words: count, entries, zero padding.
    mutating func list(_ p: UnsafePointer<UInt32>, _ words: Int) {
        let n = min(Int(p[0]), words - 1)
        u32(UInt32(n))
        for i in 0..<n { u32(p[1 + i]) }
        for _ in n..<(words - 1) { u32(0) }
    }
}

/// Bounds-checked little-endian reader; every read names its offset on failure.
private struct ByteReader {
    let base: UnsafeRawPointer
    let count: Int
    var pos = 0
    func need(_ n: Int, _ what: String) throws(HNSWError) {
        guard n >= 0, pos <= count - n else {
            throw HNSWError(.corrupt, "truncated reading \(what) (\(n) bytes)", offset: pos)
        }
    }
    mutating func u8(_ w: String) throws(HNSWError) -> UInt8 {
        try need(1, w); defer { pos += 1 }; return base.load(fromByteOffset: pos, as: UInt8.self)
    }
    mutating func u16(_ w: String) throws(HNSWError) -> UInt16 {
        try need(2, w); defer { pos += 2 }; return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: pos, as: UInt16.self))
    }
    mutating func u32(_ w: String) throws(HNSWError) -> UInt32 {
        try need(4, w); defer { pos += 4 }; return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: pos, as: UInt32.self))
    }
    mutating func u64(_ w: String) throws(HNSWError) -> UInt64 {
        try need(8, w); defer { pos += 8 }; return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
    }
    mutating func copyU32(into p: UnsafeMutablePointer<UInt32>, _ n: Int, _ w: String) throws(HNSWError) {
        try need(n * 4, w)
        for i in 0..<n { p[i] = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: pos + i * 4, as: UInt32.self)) }
        pos += n * 4
    }
}

/// Overflow-checked size arithmetic for hostile headers.
private func mul(_ a: Int, _ b: Int, _ what: String) throws(HNSWError) -> Int {
    let (r, o) = a.multipliedReportingOverflow(by: b)
    guard !o else { throw HNSWError(.corrupt, "\(what) overflows") }
    return r
}

private func add(_ xs: [Int], _ what: String) throws(HNSWError) -> Int {
    var t = 0
    for x in xs {
        let (r, o) = t.addingReportingOverflow(x)
        guard !o else { throw HNSWError(.corrupt, "\(what) overflows") }
        t = r
    }
    return t
}

extension HNSWIndex {
    /// The trailer checksum of an encoding of `version` over `bytes`: XXH3-64 (seed 0) from
    /// version 2 on, the checksum of every other Aegis file (docs/format.md §1); XXH64 (seed 0)
    /// in version 1. Both from libxxhash.
    public static func checksum(_ bytes: UnsafeRawBufferPointer, version: UInt16) -> UInt64 {
        version >= 2 ? XXH3_64bits(bytes.baseAddress, bytes.count) : XXH64(bytes.baseAddress, bytes.count, 0)
    }

    /// The graph encoding version this build writes (it reads versions 1 and 2; reported by
    /// `aegis-memory migrate`).
    public static var encodingVersion: UInt16 { HNSWFormat.version }

    /// The whole graph (configuration, links, tombstones, RNG state; the vectors when the index
    /// owns them; the int8 codes when enabled) as a versioned, checksummed byte string;
    /// `HNSWIndex(decoding:)` (owned vectors) or `HNSWIndex(decoding:externalVectors:)`
    /// restores it exactly. Tombstones' codes are written as zeros (a deleted item's data does
    /// not reach the bytes). Holds only the mutation lock: searches run on meanwhile.
    public func encoded() -> [UInt8] {
        mutator.withLock { encodedLocked(includeVectors: !externalVectors) }
    }

    /// Caller holds `mutator` (or the write lock): nothing changes the graph meanwhile.
    func encodedLocked(includeVectors: Bool) -> [UInt8] {
        let n = slotCount
        var upperWords = 0
        for s in 0..<n { upperWords += Int(levels[s]) * strideUp }
        let pad = (4 - (n * 10) % 4) % 4
        let withCodes = codes != nil
        var total = HNSWFormat.headerSize + n * 10 + pad + freeSlots.count * 4
            + n * stride0 * 4 + upperWords * 4 + HNSWFormat.trailerSize
        if includeVectors { total += n * dim * 4 }
        if withCodes { total += n * (codeStride + 8) }
        var w = ByteWriter(capacity: total)
        w.bytes.append(contentsOf: HNSWFormat.magic)
        w.u16(HNSWFormat.version)
        w.u16(UInt16(HNSWFormat.headerSize))
        w.u8(metric.rawValue)
        w.u8((includeVectors ? HNSWFormat.hasVectors : 0) | (withCodes ? HNSWFormat.hasCodes : 0))
        w.u8(0); w.u8(0)
        w.u32(UInt32(dim)); w.u32(UInt32(maxM))
        w.u32(UInt32(configuration.efConstruction)); w.u32(UInt32(configuration.efSearch))
        w.u32(UInt32(n)); w.u32(entryPoint); w.u32(UInt32(bitPattern: Int32(maxLevel)))
        w.u32(UInt32(freeSlots.count))
        w.u64(configuration.seed); w.u64(rngState)
        w.u64(configuration.exactScanSelectivity.bitPattern)
        w.u64(UInt64(upperWords))
        for s in 0..<n { w.u64(labels[s]) }
        w.raw(levels, n)
        w.raw(flags, n)
        for _ in 0..<pad { w.u8(0) }
        for f in freeSlots { w.u32(f) }
        if includeVectors {
            for s in 0..<n {
                let v = vec(UInt32(s))
                #if _endian(little)
                w.raw(v, dim * 4)
                #else
                for i in 0..<dim { w.u32(v[i].bitPattern) }
                #endif
            }
        }
        if let codes, let codeScale, let codeNorm {
            for s in 0..<n {
                if isDeleted(UInt32(s)) { w.zeros(codeStride) } else { w.raw(codes + s * codeStride, codeStride) }
            }
            for s in 0..<n { w.u32(isDeleted(UInt32(s)) ? 0 : codeScale[s].bitPattern) }
            for s in 0..<n { w.u32(isDeleted(UInt32(s)) ? 0 : codeNorm[s].bitPattern) }
        }
        // Lists are written canonically: count, live entries, zeros (stale words past the
        // count never reach the bytes, so equal graphs encode to equal bytes).
        for s in 0..<n { w.list(links0 + s * stride0, stride0) }
        for s in 0..<n where levels[s] > 0 {
            for l in 0..<Int(levels[s]) { w.list(upper[s]! + l * strideUp, strideUp) }
        }
        let sum = w.bytes.withUnsafeBytes { HNSWIndex.checksum($0, version: HNSWFormat.version) }
        w.u64(sum)
        return w.bytes
    }

    /// Whether encoded bytes carry the vector rows (version 1 always does; version 2 when the
    /// encoding index owned them). False for bytes that are not a graph encoding.
    public static func encodingCarriesVectors(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= HNSWFormat.headerSize, Array(bytes[0..<8]) == HNSWFormat.magic else { return false }
        let version = UInt16(bytes[8]) | UInt16(bytes[9]) << 8
        return version == 1 || (version == 2 && bytes[13] & HNSWFormat.hasVectors != 0)
    }

    /// Restores an index that owns its vectors from `encoded()` bytes that carry them.
    /// Validates magic, version, sizes, checksum and every structural invariant before the
    /// graph is used; hostile input yields `.corrupt`.
    public convenience init(decoding bytes: [UInt8]) throws(HNSWError) {
        let parsed = try HNSWIndex.parse(bytes, rowOf: nil)
        try self.init(configuration: parsed.configuration)
        swapStorage(with: parsed)
    }

    /// Restores an index with external vectors: the row of each live label is
    /// `rowOf(label)` (stable, stored form; nil when the caller no longer has it — the slot
    /// then reads as all zeros until the caller removes the label). Vector rows in the bytes
    /// (version 1, or an owning index's encoding) are skipped, not read. Tombstones get no row.
    public convenience init(decoding bytes: [UInt8], externalVectors rowOf: (UInt64) -> UnsafePointer<Float>?) throws(HNSWError) {
        let parsed = try withoutActuallyEscaping(rowOf) { (f) throws(HNSWError) in try HNSWIndex.parse(bytes, rowOf: f) }
        try self.init(configuration: parsed.configuration, externalVectors: true)
        swapStorage(with: parsed)
    }

    static func parse(_ bytes: [UInt8], rowOf: ((UInt64) -> UnsafePointer<Float>?)?) throws(HNSWError) -> HNSWIndex {
        do {
            return try bytes.withUnsafeBytes { raw in try HNSWIndex.decode(raw, rowOf: rowOf) }
        } catch let e as HNSWError {
            throw e
        } catch {
            throw HNSWError(.corrupt, "\(error)")
        }
    }

    static func decode(_ buf: UnsafeRawBufferPointer, rowOf: ((UInt64) -> UnsafePointer<Float>?)?) throws(HNSWError) -> HNSWIndex {
        guard let base = buf.baseAddress, buf.count >= HNSWFormat.headerSize + HNSWFormat.trailerSize else {
            throw HNSWError(.corrupt, "\(buf.count) bytes is shorter than header and trailer", offset: 0)
        }
        var r = ByteReader(base: base, count: buf.count)
        for (i, m) in HNSWFormat.magic.enumerated() {
            let b = try r.u8("magic")
            if b != m { throw HNSWError(.corrupt, "bad magic", offset: i) }
        }
        let version = try r.u16("version")
        guard version >= 1, version <= HNSWFormat.version else {
            throw HNSWError(version > HNSWFormat.version ? .unsupportedVersion : .corrupt, "format version \(version)", offset: 8)
        }
        guard try r.u16("header size") == UInt16(HNSWFormat.headerSize) else { throw HNSWError(.corrupt, "header size", offset: 10) }
        let metricRaw = try r.u8("metric")
        guard let metric = VectorMetric(rawValue: metricRaw) else { throw HNSWError(.corrupt, "metric \(metricRaw)", offset: 12) }
        let contents = try r.u8("contents")
        // Version 1 always carries vectors and has no contents byte (it was reserved, 0).
        let known = version == 1 ? 0 : HNSWFormat.hasVectors | HNSWFormat.hasCodes
        guard contents & ~known == 0 else { throw HNSWError(.corrupt, "unknown contents bits \(contents)", offset: 13) }
        let hasVectors = version == 1 || contents & HNSWFormat.hasVectors != 0
        let hasCodes = contents & HNSWFormat.hasCodes != 0
        for i in 0..<2 {
            let b = try r.u8("reserved")
            if b != 0 { throw HNSWError(.corrupt, "reserved byte not zero", offset: 14 + i) }
        }
        if rowOf == nil && !hasVectors {
            throw HNSWError(.invalidArgument, "the graph was encoded without its vectors: decode it with external vectors")
        }
        let dim = Int(try r.u32("dimension")), m = Int(try r.u32("m"))
        let efc = Int(try r.u32("ef_construction")), efs = Int(try r.u32("ef_search"))
        let n = Int(try r.u32("slot count"))
        let entry = try r.u32("entry point")
        let maxLevel = Int(Int32(bitPattern: try r.u32("max level")))
        let freeCount = Int(try r.u32("free count"))
        let seed = try r.u64("seed"), rng = try r.u64("rng state")
        let selectivity = Double(bitPattern: try r.u64("selectivity"))
        let upperWords64 = try r.u64("upper words")
        var config = HNSWConfiguration(dimension: dim, metric: metric, m: m, efConstruction: efc, efSearch: efs,
                                       seed: seed, exactScanSelectivity: selectivity)
        do { try config.validate() } catch { throw HNSWError(.corrupt, "header: \(error.message)", offset: 16) }
        config.seed = seed
        guard upperWords64 <= UInt64(buf.count) else { throw HNSWError(.corrupt, "upper-level words \(upperWords64) exceed the input", offset: 72) }
        let upperWords = Int(upperWords64)
        let stride0 = 1 + 2 * m, strideUp = 1 + m
        let pad = (4 - (n * 10) % 4) % 4
        let codeStride = Int8Kernels.rowBytes(dimension: dim)
        let expected = try add([
            HNSWFormat.headerSize, try mul(n, 10, "per-slot bytes"), pad, try mul(freeCount, 4, "free list"),
            hasVectors ? try mul(try mul(n, dim, "vectors"), 4, "vectors") : 0,
            hasCodes ? try mul(n, codeStride + 8, "codes") : 0,
            try mul(try mul(n, stride0, "level 0"), 4, "level 0"),
            try mul(upperWords, 4, "upper levels"), HNSWFormat.trailerSize,
        ], "total size")
        guard expected == buf.count else {
            throw HNSWError(.corrupt, "size \(buf.count) bytes, header implies \(expected)", offset: 32)
        }
        let stored = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: buf.count - 8, as: UInt64.self))
        let actual = checksum(UnsafeRawBufferPointer(start: base, count: buf.count - 8), version: version)
        guard stored == actual else { throw HNSWError(.corrupt, "checksum mismatch", offset: buf.count - 8) }

        let index = try HNSWIndex(configuration: config, capacity: n, externalVectors: rowOf != nil)
        for s in 0..<n { index.labels[s] = try r.u64("labels") }
        try r.need(2 * n + pad, "levels and flags")
        var upperSum = 0
        for s in 0..<n {
            let lvl = Int(base.load(fromByteOffset: r.pos + s, as: UInt8.self))
            guard lvl <= HNSWConfiguration.maxLevel else { throw HNSWError(.corrupt, "slot \(s): level \(lvl)", offset: r.pos + s) }
            upperSum += lvl * strideUp
            index.levels[s] = UInt8(lvl)
            index.flags[s] = base.load(fromByteOffset: r.pos + n + s, as: UInt8.self)
            index.upper[s] = nil
        }
        index.slotCount = n  // from here on deinit frees the upper lists that exist
        r.pos += 2 * n + pad
        guard upperSum == upperWords else { throw HNSWError(.corrupt, "levels imply \(upperSum) upper words, header says \(upperWords)", offset: 72) }
        index.freeSlots.reserveCapacity(freeCount)
        for _ in 0..<freeCount { index.freeSlots.append(try r.u32("free slots")) }
        if hasVectors {
            try r.need(n * dim * 4, "vectors")
            if let vectors = index.vectors {
                for s in 0..<n {
                    let v = vectors.pointer(at: s)
                    for i in 0..<dim {
                        v[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: r.pos + (s * dim + i) * 4, as: UInt32.self)))
                    }
                    if vectors.stride > dim { (v + dim).update(repeating: 0, count: vectors.stride - dim) }
                }
                vectors.setCount(n)
            }
            r.pos += n * dim * 4
        }
        if let rowOf {
            for s in 0..<n {
                index.vptr[s] = index.flags[s] & 1 == 0 ? (rowOf(index.labels[s]) ?? HNSWIndex.zeroVector) : HNSWIndex.zeroVector
            }
        }
        if hasCodes {
            try r.need(n * (codeStride + 8), "codes")
            index.allocateCodes()
            index.codes!.copyMemory(from: base + r.pos, byteCount: n * codeStride)
            r.pos += n * codeStride
            for s in 0..<n { index.codeScale![s] = Float(bitPattern: try r.u32("code scales")) }
            for s in 0..<n { index.codeNorm![s] = Float(bitPattern: try r.u32("code norms")) }
        }
        try r.copyU32(into: index.links0, n * stride0, "level 0")
        for s in 0..<n where index.levels[s] > 0 {
            let words = Int(index.levels[s]) * strideUp
            let p = UnsafeMutablePointer<UInt32>.allocate(capacity: words)
            index.upper[s] = p
            try r.copyU32(into: p, words, "upper levels")
        }
        for s in 0..<n where index.flags[s] & 1 == 0 {
            guard index.labelToSlot.updateValue(UInt32(s), forKey: index.labels[s]) == nil else {
                throw HNSWError(.corrupt, "label \(index.labels[s]) used by two live slots")
            }
        }
        index.entryPoint = entry
        index.maxLevel = maxLevel
        index.rngState = rng
        // Structural validation before anyone follows a link.
        do { _ = try index.checkIntegrityLocked() } catch { throw HNSWError(.corrupt, error.message) }
        return index
    }
}

extension HNSWIndex {
    /// Points live labels of an index with external vectors at their rows (after
    /// `HNSWIndex(decoding:externalVectors:)` was given no rows, so a start-up resolves each
    /// row once, where it meets the memory anyway). Unknown labels are ignored.
    public func attach(rows: [(label: UInt64, row: UnsafePointer<Float>)]) throws(HNSWError) {
        guard externalVectors else { throw HNSWError(.invalidArgument, "attach(rows:) is for an index with external vectors") }
        exclusive {
            for (label, row) in rows { if let s = labelToSlot[label] { vptr[Int(s)] = row } }
        }
    }
}
