import AegisVector

extension HNSWIndex {
    /// Inserts (or replaces) the vector of `label`. Levels come from the seeded generator, so
    /// the same inserts in the same order give a byte-identical graph.
    public func insert(label: UInt64, vector: [Float]) throws(HNSWError) {
        try vector.withUnsafeBufferPointer { (p) throws(HNSWError) in try insert(label: label, vector: p) }
    }

    public func insert(label: UInt64, vector: UnsafeBufferPointer<Float>) throws(HNSWError) {
        guard !externalVectors else {
            throw HNSWError(.invalidArgument, "an index with external vectors takes stable rows: insert(label:stableVector:)")
        }
        try insertRow(label: label, vector: vector)
    }

    /// Inserts (or replaces) `label` with a row (`dimension` floats, stored form: normalised
    /// for cosine) that stays valid and unchanged while the label is in the index. An index
    /// with external vectors keeps the pointer; an owning index copies the row.
    public func insert(label: UInt64, stableVector: UnsafePointer<Float>) throws(HNSWError) {
        try insertRow(label: label, vector: UnsafeBufferPointer(start: stableVector, count: dim))
    }

    func insertRow(label: UInt64, vector: UnsafeBufferPointer<Float>) throws(HNSWError) {
        try validateVector(vector)
        try mutator.withLock { () throws(HNSWError) in
            // Only mutators change the graph, and we are the mutator: reading this state
            // without the shared lock is safe.
            if labelToSlot[label] == nil, entryPoint != .max, slotCount < capacity,
               freeSlots.isEmpty || (freeSlots.count == 1 && freeSlots[0] == entryPoint) {
                insertConcurrently(label: label, vector: vector.baseAddress!)
                return
            }
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
    }

    /// A new label into the next fresh slot of a non-empty graph (caller holds `mutator`):
    /// the neighbour search — nearly all of an insert's work — runs under the shared lock,
    /// beside searches; the slot is materialised and linked under the exclusive lock. Nothing
    /// else can change the graph in between, so the result is exactly that of `link` (same
    /// level draw, same neighbours, same bytes).
    func insertConcurrently(label: UInt64, vector: UnsafePointer<Float>) {
        let slot = UInt32(slotCount)
        let level = drawLevel()
        sharedPhaseInserts += 1
        withScratch { scratch in
            let q = scratch.queryBuffer(dim)
            q.update(from: vector, count: dim)
            if metric == .cosine && !externalVectors { VectorKernels.normalize(q, dim) }
            let plan = rw.withReadLock { chooseNeighbors(q, slot: slot, level: level, scratch: scratch) }
            rw.withWriteLock {
                initSlot(slot, level: level)
                slotCount += 1
                storeVector(slot, vector)
                labels[Int(slot)] = label
                labelToSlot[label] = slot
                publish(slot, level: level, plan: plan, scratch: scratch)
            }
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
        entryLock.withLock { _ in
            ep = entryPoint
            if ep == .max {
                entryPoint = s
                maxLevel = level
            }
        }
        if ep == .max { return }
        let plan = chooseNeighbors(vec(s), slot: s, level: level, scratch: scratch)
        publish(s, level: level, plan: plan, scratch: scratch)
    }

    /// What `chooseNeighbors` decided: the lowest level linked (`low`, -1 = none) and the
    /// graph's top level when it looked. The neighbours are in `scratch.levelSel/levelCount`.
    struct LinkPlan {
        var low: Int
        var top: Int
    }

    /// Chooses the neighbours of `s` (vector `q`, not necessarily stored yet) on every level
    /// ≤ min(level, top) into the scratch; reads the graph only.
    func chooseNeighbors(_ q: UnsafePointer<Float>, slot s: UInt32, level: Int, scratch: HNSWScratch) -> LinkPlan {
        var ep: UInt32 = .max
        var top = -1
        entryLock.withLock { _ in
            ep = entryPoint
            top = maxLevel
        }
        var epDist = distance(q, ep)
        var counters = LayerCounters()
        var lvl = top
        while lvl > level {
            (ep, epDist) = greedyClosest(q, from: ep, dist: epDist, level: lvl, scratch: scratch, counters: &counters)
            lvl -= 1
        }
        // Choose the neighbours on every level first, then publish the node's own lists,
        // then add the back links bottom-up. The node only becomes reachable through a back
        // link, and by then all its lists are complete: concurrent inserts never see it with
        // empty lower levels, and never have their links to it overwritten. (Sequentially the
        // result is identical to connecting level by level: each level's search reads only
        // that level's lists.)
        let low = min(level, top)
        lvl = low
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
            var kept = 0
            if n > 0 {
                ep = keySlot(scratch.cand[0])
                epDist = keyDistance(scratch.cand[0])
                kept = selectNeighbors(scratch.cand, count: n, m: maxM, out: scratch.levelSel + lvl * maxM)
            }
            scratch.levelCount[lvl] = kept
            lvl -= 1
        }
        return LinkPlan(low: low, top: top)
    }

    /// Writes the chosen lists of `s`, adds the back links and raises the entry point if `s`
    /// is higher than the graph was.
    func publish(_ s: UInt32, level: Int, plan: LinkPlan, scratch: HNSWScratch) {
        let low = plan.low
        lockSlot(s)
        for l in 0...max(low, 0) where low >= 0 {
            let own = list(s, l)
            let sel = scratch.levelSel + l * maxM
            let kept = scratch.levelCount[l]
            for i in 0..<kept { own[1 + i] = keySlot(sel[i]) }
            own[0] = UInt32(kept)
        }
        unlockSlot(s)
        if low >= 0 {
            for l in 0...low {
                addBackLinks(s, level: l, selected: scratch.levelSel + l * maxM, count: scratch.levelCount[l], scratch: scratch)
            }
        }
        if level > plan.top {
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

    /// The second half of hnswlib `mutuallyConnectNewElement`: adds `s` to the lists of its
    /// `count` selected neighbours at `level` (keys hold their distance to `s`), pruning full
    /// lists with the same heuristic.
    func addBackLinks(_ s: UInt32, level: Int, selected: UnsafeMutablePointer<UInt64>, count kept: Int, scratch: HNSWScratch) {
        let cap = level == 0 ? maxM0 : maxM
        let work = scratch.cand
        for i in 0..<kept {
            let nb = keySlot(selected[i])
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
                    work[n] = packKey(keyDistance(selected[i]), s)
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
