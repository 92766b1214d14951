import AegisVector

/// Decides which visited slots may enter the result set (traversal itself ignores it).
protocol SlotAcceptor {
    func accept(_ slot: UInt32) -> Bool
}

struct AcceptLive: SlotAcceptor {
    let flags: UnsafeMutablePointer<UInt8>
    @inline(__always) func accept(_ slot: UInt32) -> Bool { flags[Int(slot)] & 1 == 0 }
}

struct AcceptFiltered: SlotAcceptor {
    let flags: UnsafeMutablePointer<UInt8>
    let labels: UnsafeMutablePointer<UInt64>
    let predicate: (UInt64) -> Bool
    @inline(__always) func accept(_ slot: UInt32) -> Bool {
        flags[Int(slot)] & 1 == 0 && predicate(labels[Int(slot)])
    }
}

/// Counters of one search, for EXPLAIN.
struct LayerCounters {
    var visited = 0
    var distances = 0
}

extension HNSWIndex {
    @inline(__always)
    func distance(_ q: UnsafePointer<Float>, _ s: UInt32) -> Float {
        metric.distance(q, vptr[Int(s)], dim)
    }

    /// Greedy descent (beam 1) on one upper level; returns the closest slot found.
    @inline(__always)
    func greedyClosest(
        _ q: UnsafePointer<Float>, from ep: UInt32, dist epDist: Float, level: Int,
        scratch: HNSWScratch, counters: inout LayerCounters
    ) -> (UInt32, Float) {
        var cur = ep, curDist = epDist
        var changed = true
        let nbuf = scratch.nbuf
        while changed {
            changed = false
            let n = copyList(cur, level, into: nbuf)
            counters.visited &+= 1
            for j in 0..<n {
                let c = nbuf[j]
                if Int(levels[Int(c)]) < level { continue }  // stale edge to a reused slot
                let d = metric.distance(q, vptr[Int(c)], dim)
                counters.distances &+= 1
                if d < curDist { curDist = d; cur = c; changed = true }
            }
        }
        return (cur, curDist)
    }

    /// Copies the neighbour list of `s` at `level` into `buf` (under the slot's stripe lock
    /// during a parallel build) and returns its length.
    @inline(__always)
    func copyList(_ s: UInt32, _ level: Int, into buf: UnsafeMutablePointer<UInt32>) -> Int {
        lockSlot(s)
        let l = list(s, level)
        let n = Int(l[0])
        buf.update(from: l + 1, count: n)
        unlockSlot(s)
        return n
    }

    /// The beam search of one layer (hnswlib `searchBaseLayerST`). Leaves at most `ef`
    /// accepted slots in `scratch.results` (a max-heap of packed keys). Traversal passes
    /// through rejected and deleted slots; only accepted ones become results.
    @inline(__always)
    func searchLayer<A: SlotAcceptor>(
        _ q: UnsafePointer<Float>, entry: UInt32, entryDist: Float, level: Int, ef: Int,
        accept: A, scratch: HNSWScratch, counters: inout LayerCounters
    ) {
        searchLayer(FloatSpace(query: q, rows: vptr, dim: dim, metric: metric),
                    entry: entry, entryDist: entryDist, level: level, ef: ef, touch: prefetchMode,
                    accept: accept, scratch: scratch, counters: &counters)
    }

    /// The beam search over any distance space (float32 vectors or int8 codes); `touch` is the
    /// software-prefetch mode for that space's rows.
    @inline(__always)
    func searchLayer<A: SlotAcceptor, S: LayerSpace>(
        _ space: S, entry: UInt32, entryDist: Float, level: Int, ef: Int, touch: Int,
        accept: A, scratch: HNSWScratch, counters: inout LayerCounters
    ) {
        let tag = scratch.beginVisit(slots: slotCount)
        // Work on local copies (no class-property exclusivity checks in the loop).
        var results = scratch.results
        var candidates = scratch.candidates
        defer {
            scratch.results = results
            scratch.candidates = candidates
        }
        let visited = scratch.visited
        visited[Int(entry)] = tag
        var lowerBound = Float.infinity
        if accept.accept(entry) {
            results.push(packKey(entryDist, entry))
            lowerBound = entryDist
        }
        candidates.push(~packKey(entryDist, entry))
        let nbuf = scratch.nbuf
        let dbuf = scratch.dbuf
        let links0 = self.links0
        let stride0 = self.stride0
        let direct = level == 0 && lockBase == nil
        var sink: UInt8 = 0
        let lineBytes = space.rowBytes
        var visitedCount = 0, distCount = 0
        while candidates.count > 0 {
            let ck = ~candidates.pop()
            let cd = keyDistance(ck)
            if cd > lowerBound && results.count >= ef { break }
            let c = keySlot(ck)
            visitedCount &+= 1
            // Collect unvisited neighbours first and touch their vectors, so the memory
            // loads overlap before the distance arithmetic needs them.
            var fresh = 0
            if direct {
                let l = links0 + Int(c) &* stride0
                let n = Int(l[0])
                var j = 1
                while j <= n {
                    let s = l[j]
                    j &+= 1
                    if visited[Int(s)] == tag { continue }
                    visited[Int(s)] = tag
                    nbuf[fresh] = s
                    fresh &+= 1
                    if touch == 1 { sink &+= space.row(s).load(as: UInt8.self) }
                }
            } else {
                let n = copyList(c, level, into: nbuf)
                for j in 0..<n {
                    let s = nbuf[j]
                    if visited[Int(s)] == tag { continue }
                    if level > 0 && Int(levels[Int(s)]) < level { continue }
                    visited[Int(s)] = tag
                    nbuf[fresh] = s
                    fresh &+= 1
                }
            }
            distCount &+= fresh
            if touch >= 2 {
                // Software prefetch without intrinsics: one load per cache line of every fresh
                // vector, all independent, so the memory system fetches them in parallel.
                for j in 0..<fresh {
                    let p = space.row(nbuf[j])
                    var o = 0
                    while o < lineBytes {
                        sink &+= p.load(fromByteOffset: o, as: UInt8.self)
                        o &+= 64
                    }
                }
            }
            // Pass 1: all distances (independent work, so the loads of several vectors
            // overlap); pass 2: heap updates (branchy).
            for j in 0..<fresh {
                dbuf[j] = space.distance(nbuf[j])
            }
            for j in 0..<fresh {
                let s = nbuf[j]
                let d = dbuf[j]
                if results.count < ef || d < lowerBound {
                    candidates.push(~packKey(d, s))
                    if accept.accept(s) {
                        let k = packKey(d, s)
                        if results.count < ef {
                            results.push(k)
                        } else if k < results.top {
                            results.replaceTop(k)
                        }
                        lowerBound = keyDistance(results.top)
                    }
                }
            }
        }
        counters.visited &+= visitedCount
        counters.distances &+= distCount
        scratch.sink = sink
    }

    /// Descends from the entry point to level 0 and runs the layer-0 beam search.
    /// Returns false when the index has no entry point.
    @inline(__always)
    func searchFromTop<A: SlotAcceptor>(
        _ q: UnsafePointer<Float>, ef: Int, accept: A, scratch: HNSWScratch, counters: inout LayerCounters,
        useCodes: Bool = false
    ) -> Bool {
        guard entryPoint != .max else { return false }
        var ep = entryPoint
        var epDist = distance(q, ep)
        counters.distances &+= 1
        var level = maxLevel
        while level > 0 {
            (ep, epDist) = greedyClosest(q, from: ep, dist: epDist, level: level, scratch: scratch, counters: &counters)
            level -= 1
        }
        if useCodes && codes != nil {
            // Level 0 on int8 codes, then exact float32 distances for the accepted beam.
            let space = codeSpace(q, scratch: scratch)
            searchLayer(space, entry: ep, entryDist: space.distance(ep), level: 0, ef: ef, touch: 2,
                        accept: accept, scratch: scratch, counters: &counters)
            rerankResults(q, scratch: scratch)
        } else {
            searchLayer(q, entry: ep, entryDist: epDist, level: 0, ef: ef, accept: accept, scratch: scratch, counters: &counters)
        }
        return true
    }
}
