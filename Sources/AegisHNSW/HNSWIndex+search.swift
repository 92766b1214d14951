import AegisVector

extension HNSWIndex {
    /// The `k` nearest live items to `query`, optionally restricted by `filter`.
    ///
    /// - `ef`: beam width for this query (default `configuration.efSearch`; raised to `k`).
    /// - With a filter the result always holds min(k, matching items) hits: filters matching
    ///   less than `exactScanSelectivity` of the items are answered by an exact scan of the
    ///   matching set; wider ones by a graph search whose beam is widened and whose result set
    ///   only admits matching items, falling back to the exact scan if it comes up short.
    public func search(_ query: [Float], k: Int, ef: Int? = nil, filter: HNSWFilter? = nil) throws(HNSWError) -> HNSWSearchResult {
        var hits: [HNSWHit] = []
        hits.reserveCapacity(max(0, min(k, 4096)))
        let stats = try query.withUnsafeBufferPointer { (p) throws(HNSWError) -> HNSWSearchStats in
            try search(query: p, k: k, ef: ef, filter: filter, into: &hits)
        }
        return HNSWSearchResult(hits: hits, stats: stats)
    }

    /// Allocation-free form: writes the hits (nearest first) into `hits`, which keeps its
    /// capacity between calls.
    public func search(
        query: UnsafeBufferPointer<Float>, k: Int, ef: Int? = nil, filter: HNSWFilter? = nil,
        into hits: inout [HNSWHit]
    ) throws(HNSWError) -> HNSWSearchStats {
        hits.removeAll(keepingCapacity: true)
        guard k >= 0 else { throw HNSWError(.invalidArgument, "k \(k) must be ≥ 0") }
        if let ef, ef < 1 || ef > 65_536 { throw HNSWError(.invalidArgument, "ef \(ef) outside 1...65536") }
        try validateVector(query)
        if k == 0 { return HNSWSearchStats() }
        return rw.withReadLock {
            withScratch { scratch in
                let q = scratch.queryBuffer(dim)
                q.update(from: query.baseAddress!, count: dim)
                if metric == .cosine { VectorKernels.normalize(q, dim) }
                return searchLocked(q, k: k, ef: ef ?? configuration.efSearch, filter: filter, scratch: scratch, hits: &hits)
            }
        }
    }

    func searchLocked(
        _ q: UnsafePointer<Float>, k: Int, ef: Int, filter: HNSWFilter?, scratch: HNSWScratch, hits: inout [HNSWHit]
    ) -> HNSWSearchStats {
        var stats = HNSWSearchStats()
        let live = labelToSlot.count
        guard live > 0 else { return stats }
        let baseEf = max(ef, k)
        var counters = LayerCounters()

        guard let filter else {
            stats.ef = baseEf
            _ = searchFromTop(q, ef: baseEf, accept: AcceptLive(flags: flags), scratch: scratch, counters: &counters, useCodes: true)
            stats.nodesVisited = counters.visited
            stats.distanceComputations = counters.distances
            if scratch.results.count < min(k, live) {
                exactScan(q, k: k, predicate: nil, scratch: scratch, stats: &stats)
                stats.mode = .exactFallback
            }
            extract(k: k, scratch: scratch, hits: &hits)
            return stats
        }

        // Strategy: exact scan of a small candidate list, or of a selective filter's matches.
        if let cands = filter.candidates,
           Double(cands.count) < max(configuration.exactScanSelectivity * Double(live), Double(4 * baseEf)) {
            stats.estimatedSelectivity = Double(cands.count) / Double(live)
            exactScan(q, k: k, candidates: cands, predicate: filter.predicate, scratch: scratch, stats: &stats)
            extract(k: k, scratch: scratch, hits: &hits)
            return stats
        }
        let estimate = filter.estimatedMatches ?? filter.candidates?.count ?? sampleMatches(filter.predicate, live: live)
        let selectivity = min(1, max(0, Double(estimate) / Double(live)))
        stats.estimatedSelectivity = selectivity
        if selectivity < configuration.exactScanSelectivity || estimate <= baseEf {
            exactScan(q, k: k, predicate: filter.predicate, scratch: scratch, stats: &stats)
            extract(k: k, scratch: scratch, hits: &hits)
            return stats
        }
        // Widen the beam as the filter narrows: a matching item is ~1/selectivity hops away.
        let widen = selectivity < 0.5 ? min(4.0, (0.5 / selectivity).squareRoot()) : 1.0
        let efUsed = min(65_536, Int((Double(baseEf) * widen).rounded(.up)))
        stats.ef = efUsed
        let accept = AcceptFiltered(flags: flags, labels: labels, predicate: filter.predicate)
        _ = searchFromTop(q, ef: efUsed, accept: accept, scratch: scratch, counters: &counters, useCodes: true)
        stats.nodesVisited = counters.visited
        stats.distanceComputations = counters.distances
        if scratch.results.count < k {
            // Short: the graph walk could not reach k matches. The exact scan knows the truth.
            exactScan(q, k: k, predicate: filter.predicate, scratch: scratch, stats: &stats)
            stats.mode = .exactFallback
        }
        extract(k: k, scratch: scratch, hits: &hits)
        return stats
    }

    /// Estimates how many live items match by asking the predicate on up to 512 evenly
    /// spaced slots.
    func sampleMatches(_ predicate: (UInt64) -> Bool, live: Int) -> Int {
        let n = slotCount
        let step = max(1, n / 512)
        var seen = 0, hit = 0
        var s = 0
        while s < n {
            if flags[s] & 1 == 0 {
                seen += 1
                if predicate(labels[s]) { hit += 1 }
            }
            s += step
        }
        guard seen > 0 else { return 0 }
        return Int((Double(hit) / Double(seen) * Double(live)).rounded())
    }

    /// Exact top-k over all live slots (optionally filtered), into `scratch.results`.
    func exactScan(
        _ q: UnsafePointer<Float>, k: Int, predicate: ((UInt64) -> Bool)?, scratch: HNSWScratch, stats: inout HNSWSearchStats
    ) {
        stats.mode = .exact
        scratch.results.removeAll()
        var computed = 0
        let n = slotCount
        for s in 0..<n {
            if flags[s] & 1 != 0 { continue }
            if let predicate, !predicate(labels[s]) { continue }
            offer(q, UInt32(s), k: k, scratch: scratch)
            computed += 1
        }
        stats.nodesVisited += n
        stats.distanceComputations += computed
    }

    /// Exact top-k over a candidate label list (unknown, deleted and duplicate labels skipped).
    func exactScan(
        _ q: UnsafePointer<Float>, k: Int, candidates: [UInt64], predicate: (UInt64) -> Bool,
        scratch: HNSWScratch, stats: inout HNSWSearchStats
    ) {
        stats.mode = .exact
        let tag = scratch.beginVisit(slots: slotCount)
        var computed = 0
        for label in candidates {
            guard let s = labelToSlot[label], scratch.visited[Int(s)] != tag else { continue }
            scratch.visited[Int(s)] = tag
            if !predicate(label) { continue }
            offer(q, s, k: k, scratch: scratch)
            computed += 1
        }
        stats.nodesVisited += candidates.count
        stats.distanceComputations += computed
    }

    @inline(__always)
    private func offer(_ q: UnsafePointer<Float>, _ s: UInt32, k: Int, scratch: HNSWScratch) {
        let key = packKey(distance(q, s), s)
        if scratch.results.count < k {
            scratch.results.push(key)
        } else if key < scratch.results.top {
            scratch.results.replaceTop(key)
        }
    }

    /// Moves the best `k` of `scratch.results` into `hits`, nearest first.
    func extract(k: Int, scratch: HNSWScratch, hits: inout [HNSWHit]) {
        while scratch.results.count > k { scratch.results.pop() }
        let n = scratch.results.count
        hits.removeAll(keepingCapacity: true)
        hits.append(contentsOf: repeatElement(HNSWHit(label: 0, distance: 0), count: n))
        var i = n - 1
        while scratch.results.count > 0 {
            let key = scratch.results.pop()
            let s = keySlot(key)
            hits[i] = HNSWHit(label: labels[Int(s)], distance: keyDistance(key))
            i -= 1
        }
    }
}
