import AegisVector

extension HNSWIndex {
    /// Inserts (or replaces) the vector of `label`. Levels come from the seeded generator, so
    /// the same inserts in the same order give a byte-identical graph.
    public func insert(label: UInt64, vector: [Float]) throws(HNSWError) {
        try vector.withUnsafeBufferPointer { (p) throws(HNSWError) in try insert(label: label, vector: p) }
    }

    public func insert(label: UInt64, vector: UnsafeBufferPointer<Float>) throws(HNSWError) {
        try validateVector(vector)
        try rw.withWriteLock { () throws(HNSWError) in
            if labelToSlot[label] != nil { removeLocked(label) }
            let slot: UInt32
            if let reused = takeFreeSlot() {
                slot = reused
            } else {
                if slotCount == capacity { try reserveUnlocked(max(1024, capacity + capacity / 2)) }
                slot = UInt32(slotCount)
            }
            let level = drawLevel()
            initSlot(slot, level: level)
            if Int(slot) == slotCount { slotCount += 1 }
            storeVector(slot, vector.baseAddress!)
            labels[Int(slot)] = label
            labelToSlot[label] = slot
            withScratch { scratch in link(slot, level: level, scratch: scratch) }
        }
    }

    /// A tombstoned slot for reuse (never the entry point, whose level anchors the graph).
    func takeFreeSlot() -> UInt32? {
        guard let i = freeSlots.lastIndex(where: { $0 != entryPoint }) else { return nil }
        return freeSlots.remove(at: i)
    }

    /// Connects an initialised slot into the graph (hnswlib `addPoint` after allocation).
    /// Safe to run on several threads at once while `stripes` is set.
    func link(_ s: UInt32, level: Int, scratch: HNSWScratch) {
        var ep: UInt32 = .max
        var top = -1
        entryLock.withLock { _ in
            ep = entryPoint
            top = maxLevel
            if ep == .max {
                entryPoint = s
                maxLevel = level
            }
        }
        if ep == .max { return }
        let q = vec(s)
        var epDist = distance(q, ep)
        var counters = LayerCounters()
        var lvl = top
        while lvl > level {
            (ep, epDist) = greedyClosest(q, from: ep, dist: epDist, level: lvl, scratch: scratch, counters: &counters)
            lvl -= 1
        }
        lvl = min(level, top)
        while lvl >= 0 {
            searchLayer(q, entry: ep, entryDist: epDist, level: lvl, ef: configuration.efConstruction,
                        accept: AcceptLive(flags: flags), scratch: scratch, counters: &counters)
            // Sort the beam ascending into `cand`, dropping the slot itself (re-linking).
            var n = 0
            let beam = scratch.results.count
            var sorted = beam
            while scratch.results.count > 0 {
                sorted -= 1
                scratch.cand[sorted] = scratch.results.pop()
            }
            for i in 0..<beam where keySlot(scratch.cand[i]) != s {
                scratch.cand[n] = scratch.cand[i]
                n += 1
            }
            if n > 0 {
                ep = keySlot(scratch.cand[0])
                epDist = keyDistance(scratch.cand[0])
                mutuallyConnect(s, level: lvl, candidates: n, scratch: scratch)
            }
            lvl -= 1
        }
        if level > top {
            entryLock.withLock { _ in
                if level > maxLevel {
                    entryPoint = s
                    maxLevel = level
                }
            }
        }
    }

    /// hnswlib `getNeighborsByHeuristic2`: from `count` candidates in `buf` (sorted nearest
    /// first, keys relative to the base item), keep at most `m` that are closer to the base
    /// than to any already kept one. Writes the kept keys to `out`, returns how many.
    func selectNeighbors(
        _ buf: UnsafeMutablePointer<UInt64>, count: Int, m: Int, out: UnsafeMutablePointer<UInt64>
    ) -> Int {
        if count <= m {
            out.update(from: buf, count: count)
            return count
        }
        var kept = 0
        for i in 0..<count {
            let key = buf[i]
            let e = keySlot(key)
            let de = keyDistance(key)
            let ve = vec(e)
            var good = true
            for j in 0..<kept where metric.distance(ve, vec(keySlot(out[j])), dim) < de {
                good = false
                break
            }
            if good {
                out[kept] = key
                kept += 1
                if kept >= m { break }
            }
        }
        return kept
    }

    /// hnswlib `mutuallyConnectNewElement`: links `s` to the heuristic's pick from the
    /// `count` sorted candidates in `scratch.cand`, then adds the back links, pruning full
    /// lists with the same heuristic.
    func mutuallyConnect(_ s: UInt32, level: Int, candidates count: Int, scratch: HNSWScratch) {
        let cap = level == 0 ? maxM0 : maxM
        let kept = selectNeighbors(scratch.cand, count: count, m: maxM, out: scratch.sel)
        lockSlot(s)
        let own = list(s, level)
        for i in 0..<kept { own[1 + i] = keySlot(scratch.sel[i]) }
        own[0] = UInt32(kept)
        unlockSlot(s)

        let work = scratch.cand  // reused as scratch for pruning
        for i in 0..<kept {
            let nb = keySlot(scratch.sel[i])
            if Int(levels[Int(nb)]) < level { continue }
            lockSlot(nb)
            let l = list(nb, level)
            let n = Int(l[0])
            var present = false
            for j in 0..<n where l[1 + j] == s { present = true; break }
            if !present {
                if n < cap {
                    l[1 + n] = s
                    l[0] = UInt32(n + 1)
                } else {
                    let vn = vec(nb)
                    for j in 0..<n {
                        let o = l[1 + j]
                        work[j] = packKey(metric.distance(vn, vec(o), dim), o)
                    }
                    work[n] = packKey(keyDistance(scratch.sel[i]), s)
                    sortKeys(work, n + 1)
                    let pruned = selectNeighbors(work, count: n + 1, m: cap, out: scratch.nbuf64)
                    for j in 0..<pruned { l[1 + j] = keySlot(scratch.nbuf64[j]) }
                    l[0] = UInt32(pruned)
                }
            }
            unlockSlot(nb)
        }
    }
}

/// Insertion sort of a short key list (≤ 2m + 1 entries).
@inline(__always)
func sortKeys(_ p: UnsafeMutablePointer<UInt64>, _ n: Int) {
    var i = 1
    while i < n {
        let k = p[i]
        var j = i - 1
        while j >= 0 && p[j] > k {
            p[j + 1] = p[j]
            j -= 1
        }
        p[j + 1] = k
        i += 1
    }
}
