import AegisVector

extension HNSWIndex {
    /// Deletes `label`: the slot is tombstoned (never returned again, still traversable),
    /// its neighbours drop their link to it and each takes the closest of its neighbours as
    /// a replacement, and the slot is reused by a later insert. Returns false if absent.
    @discardableResult
    public func remove(label: UInt64) -> Bool {
        exclusive { removeLocked(label) }
    }

    @discardableResult
    func removeLocked(_ label: UInt64) -> Bool {
        guard let s = labelToSlot.removeValue(forKey: label) else { return false }
        flags[Int(s)] |= 1
        if labelToSlot.isEmpty {
            resetGraph()
            return true
        }
        repairNeighbours(of: s)
        freeSlots.append(s)
        if s == entryPoint { electEntryPoint() }
        return true
    }

    /// For every live neighbour `n` of `s` that links back to it: remove the link and offer
    /// `s`'s closest other neighbour in its place (hnswlib leaves such links dangling).
    func repairNeighbours(of s: UInt32) {
        for level in 0...Int(levels[Int(s)]) {
            let own = list(s, level)
            let ownCount = Int(own[0])
            for i in 0..<ownCount {
                let n = own[1 + i]
                if n == s || isDeleted(n) || Int(levels[Int(n)]) < level { continue }
                let l = list(n, level)
                var c = Int(l[0])
                guard let pos = (0..<c).first(where: { l[1 + $0] == s }) else { continue }
                (l + 1 + pos).update(from: l + 2 + pos, count: c - pos - 1)
                c -= 1
                var best: UInt32 = .max
                var bestD = Float.infinity
                let vn = vec(n)
                for j in 0..<ownCount {
                    let r = own[1 + j]
                    if r == n || r == s || isDeleted(r) || Int(levels[Int(r)]) < level { continue }
                    if (0..<c).contains(where: { l[1 + $0] == r }) { continue }
                    let d = metric.distance(vn, vec(r), dim)
                    if d < bestD { bestD = d; best = r }
                }
                if best != .max {
                    l[1 + c] = best
                    c += 1
                }
                l[0] = UInt32(c)
            }
        }
    }

    /// Makes the live slot with the highest level (lowest slot on ties) the entry point.
    func electEntryPoint() {
        var best: UInt32 = .max
        var bestLevel = -1
        for s in 0..<slotCount where flags[s] & 1 == 0 && Int(levels[s]) > bestLevel {
            best = UInt32(s)
            bestLevel = Int(levels[s])
        }
        entryPoint = best
        maxLevel = bestLevel
    }

    /// Forgets every slot (the last live item was deleted).
    func resetGraph() {
        for s in 0..<slotCount {
            upper[s]?.deallocate()
            upper[s] = nil
        }
        slotCount = 0
        freeSlots.removeAll()
        entryPoint = .max
        maxLevel = -1
        vectors?.setCount(0)
    }

    /// Rebuilds the graph from the live items only (slot order kept, tombstones dropped),
    /// with `threads` workers, and shrinks every buffer to fit. Recall matches a fresh build
    /// of the survivors because it *is* one; memory is that of a fresh build.
    public func compact(threads: Int = 1) throws(HNSWError) {
        try exclusive { () throws(HNSWError) in
            let live = (0..<slotCount).filter { flags[$0] & 1 == 0 }
            let fresh = try HNSWIndex(configuration: configuration, capacity: live.count, externalVectors: externalVectors)
            if codes != nil { fresh.setCodesLocked(true) }
            var survivorLabels = [UInt64]()
            survivorLabels.reserveCapacity(live.count)
            for s in live { survivorLabels.append(labels[s]) }
            // Owned rows are copied by `fresh` (before ours are freed by the swap); external
            // rows are the caller's and stay where they are.
            let rows = live.map { vec(UInt32($0)) }
            try fresh.insertBatchLocked(labels: survivorLabels, rows: rows, threads: threads)
            swapStorage(with: fresh)
        }
    }

    /// Exchanges all graph storage with `other` (whose deinit then frees ours).
    func swapStorage(with other: HNSWIndex) {
        swap(&vectors, &other.vectors)
        swap(&vptr, &other.vptr)
        swap(&links0, &other.links0)
        swap(&upper, &other.upper)
        swap(&labels, &other.labels)
        swap(&levels, &other.levels)
        swap(&flags, &other.flags)
        swap(&slotCount, &other.slotCount)
        swap(&capacity, &other.capacity)
        swap(&entryPoint, &other.entryPoint)
        swap(&maxLevel, &other.maxLevel)
        swap(&labelToSlot, &other.labelToSlot)
        swap(&freeSlots, &other.freeSlots)
        swap(&rngState, &other.rngState)
        swap(&codes, &other.codes)
        swap(&codeScale, &other.codeScale)
        swap(&codeNorm, &other.codeNorm)
        pool.withLock { $0.removeAll() }
    }
}
