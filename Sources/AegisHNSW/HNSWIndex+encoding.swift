import AegisVector

/// Little-endian byte writer over a pre-sized array.
private struct ByteWriter {
    var bytes: [UInt8] = []
    init(capacity: Int) { bytes.reserveCapacity(capacity) }
    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func raw(_ p: UnsafeRawPointer, _ n: Int) { bytes.append(contentsOf: UnsafeRawBufferPointer(start: p, count: n)) }
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
    /// The graph encoding version this build writes and reads (reported by `aegis-memory migrate`).
    public static var encodingVersion: UInt16 { HNSWFormat.version }

    /// The whole graph (configuration, vectors, links, tombstones, RNG state) as a versioned,
    /// checksummed byte string; `HNSWIndex(decoding:)` restores it exactly.
    public func encoded() -> [UInt8] {
        rw.withReadLock { encodedLocked() }
    }

    func encodedLocked() -> [UInt8] {
        let n = slotCount
        var upperWords = 0
        for s in 0..<n { upperWords += Int(levels[s]) * strideUp }
        let pad = (4 - (n * 10) % 4) % 4
        let total = HNSWFormat.headerSize + n * 10 + pad + freeSlots.count * 4 + n * dim * 4
            + n * stride0 * 4 + upperWords * 4 + HNSWFormat.trailerSize
        var w = ByteWriter(capacity: total)
        w.bytes.append(contentsOf: HNSWFormat.magic)
        w.u16(HNSWFormat.version)
        w.u16(UInt16(HNSWFormat.headerSize))
        w.u8(metric.rawValue); w.u8(0); w.u8(0); w.u8(0)
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
        for s in 0..<n {
            let v = vec(UInt32(s))
            #if _endian(little)
            w.raw(v, dim * 4)
            #else
            for i in 0..<dim { w.u32(v[i].bitPattern) }
            #endif
        }
        // Lists are written canonically: count, live entries, zeros (stale words past the
        // count never reach the bytes, so equal graphs encode to equal bytes).
        for s in 0..<n { w.list(links0 + s * stride0, stride0) }
        for s in 0..<n where levels[s] > 0 {
            for l in 0..<Int(levels[s]) { w.list(upper[s]! + l * strideUp, strideUp) }
        }
        let sum = w.bytes.withUnsafeBytes { XXH64.hash($0) }
        w.u64(sum)
        return w.bytes
    }

    /// Restores an index from `encoded()`. Validates magic, version, sizes, checksum and every
    /// structural invariant before the graph is used; hostile input yields `.corrupt`.
    public convenience init(decoding bytes: [UInt8]) throws(HNSWError) {
        let parsed: HNSWIndex
        do {
            parsed = try bytes.withUnsafeBytes { raw in try HNSWIndex.decode(raw) }
        } catch let e as HNSWError {
            throw e
        } catch {
            throw HNSWError(.corrupt, "\(error)")
        }
        try self.init(configuration: parsed.configuration)
        swapStorage(with: parsed)
    }

    static func decode(_ buf: UnsafeRawBufferPointer) throws(HNSWError) -> HNSWIndex {
        guard let base = buf.baseAddress, buf.count >= HNSWFormat.headerSize + HNSWFormat.trailerSize else {
            throw HNSWError(.corrupt, "\(buf.count) bytes is shorter than header and trailer", offset: 0)
        }
        var r = ByteReader(base: base, count: buf.count)
        for (i, m) in HNSWFormat.magic.enumerated() {
            let b = try r.u8("magic")
            if b != m { throw HNSWError(.corrupt, "bad magic", offset: i) }
        }
        let version = try r.u16("version")
        guard version == HNSWFormat.version else {
            throw HNSWError(version > HNSWFormat.version ? .unsupportedVersion : .corrupt, "format version \(version)", offset: 8)
        }
        guard try r.u16("header size") == UInt16(HNSWFormat.headerSize) else { throw HNSWError(.corrupt, "header size", offset: 10) }
        let metricRaw = try r.u8("metric")
        guard let metric = VectorMetric(rawValue: metricRaw) else { throw HNSWError(.corrupt, "metric \(metricRaw)", offset: 12) }
        for i in 0..<3 {
            let b = try r.u8("reserved")
            if b != 0 { throw HNSWError(.corrupt, "reserved byte not zero", offset: 13 + i) }
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
        let expected = try add([
            HNSWFormat.headerSize, try mul(n, 10, "per-slot bytes"), pad, try mul(freeCount, 4, "free list"),
            try mul(try mul(n, dim, "vectors"), 4, "vectors"), try mul(try mul(n, stride0, "level 0"), 4, "level 0"),
            try mul(upperWords, 4, "upper levels"), HNSWFormat.trailerSize,
        ], "total size")
        guard expected == buf.count else {
            throw HNSWError(.corrupt, "size \(buf.count) bytes, header implies \(expected)", offset: 32)
        }
        let stored = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: buf.count - 8, as: UInt64.self))
        let actual = XXH64.hash(UnsafeRawBufferPointer(start: base, count: buf.count - 8))
        guard stored == actual else { throw HNSWError(.corrupt, "checksum mismatch", offset: buf.count - 8) }

        let index = try HNSWIndex(configuration: config, capacity: n)
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
        try r.need(n * dim * 4, "vectors")
        for s in 0..<n {
            let v = index.vec(UInt32(s))
            for i in 0..<dim {
                v[i] = Float(bitPattern: UInt32(littleEndian: base.loadUnaligned(fromByteOffset: r.pos + (s * dim + i) * 4, as: UInt32.self)))
            }
            if index.vectors.stride > dim { (v + dim).update(repeating: 0, count: index.vectors.stride - dim) }
        }
        r.pos += n * dim * 4
        index.vectors.setCount(n)
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
        do { try index.checkIntegrityLocked() } catch { throw HNSWError(.corrupt, error.message) }
        return index
    }
}
