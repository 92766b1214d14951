import AegisVector

/// What `checkIntegrity()` found besides errors.
public struct HNSWIntegrityReport: Sendable, Equatable {
    public var live = 0
    public var deleted = 0
    public var maxLevel = -1
    /// Directed edges on level 0.
    public var edges = 0
    /// Live items that no level-0 walk from the entry point reaches (quality, not an error).
    public var unreachable = 0
}

extension HNSWIndex {
    /// Verifies every structural invariant of the in-memory graph and throws `.integrity`
    /// with the slot and level of the first violation.
    @discardableResult
    public func checkIntegrity() throws(HNSWError) -> HNSWIntegrityReport {
        try rw.withReadLock { () throws(HNSWError) -> HNSWIntegrityReport in try checkIntegrityLocked() }
    }

    func checkIntegrityLocked() throws(HNSWError) -> HNSWIntegrityReport {
        func fail(_ msg: String) -> HNSWError { HNSWError(.integrity, msg) }
        var report = HNSWIntegrityReport()
        guard slotCount <= capacity, (vectors?.capacity ?? capacity) >= slotCount else { throw fail("slot count \(slotCount) > capacity \(capacity)") }
        var freeMark = [Bool](repeating: false, count: slotCount)
        for f in freeSlots {
            guard Int(f) < slotCount, !freeMark[Int(f)] else { throw fail("free slot \(f) out of range or listed twice") }
            guard isDeleted(f) else { throw fail("free slot \(f) is not deleted") }
            freeMark[Int(f)] = true
        }
        var maxLiveLevel = -1
        for s in 0..<slotCount {
            let lvl = Int(levels[s])
            guard lvl <= HNSWConfiguration.maxLevel else { throw fail("slot \(s): level \(lvl) > \(HNSWConfiguration.maxLevel)") }
            guard flags[s] & ~1 == 0 else { throw fail("slot \(s): unknown flag bits \(flags[s])") }
            guard (lvl > 0) == (upper[s] != nil) else { throw fail("slot \(s): upper lists do not match level \(lvl)") }
            if isDeleted(UInt32(s)) {
                report.deleted += 1
                guard freeMark[s] else { throw fail("deleted slot \(s) is not in the free list") }
            } else {
                report.live += 1
                guard labelToSlot[labels[s]] == UInt32(s) else { throw fail("slot \(s): label \(labels[s]) not mapped to it") }
                // External rows are the caller's (checked where they are stored, and not read
                // here: a start-up must not touch every row).
                if !externalVectors {
                    guard VectorKernels.allFinite(vec(UInt32(s)), dim) else { throw fail("slot \(s): vector not finite") }
                }
                maxLiveLevel = max(maxLiveLevel, lvl)
            }
            for level in 0...lvl {
                let l = list(UInt32(s), level)
                let n = Int(l[0])
                let cap = level == 0 ? maxM0 : maxM
                guard n <= cap else { throw fail("slot \(s) level \(level): \(n) links > \(cap)") }
                for j in 0..<n {
                    let t = l[1 + j]
                    guard Int(t) < slotCount else { throw fail("slot \(s) level \(level): link \(t) out of range") }
                    guard Int(t) != s else { throw fail("slot \(s) level \(level): links to itself") }
                    for k in 0..<j where l[1 + k] == t { throw fail("slot \(s) level \(level): duplicate link \(t)") }
                }
                if level == 0 { report.edges += n }
            }
        }
        guard report.live == labelToSlot.count else { throw fail("\(labelToSlot.count) labels mapped, \(report.live) live slots") }
        if report.live == 0 {
            guard entryPoint == .max, maxLevel == -1 else { throw fail("empty index has an entry point") }
            return report
        }
        guard entryPoint != .max, Int(entryPoint) < slotCount, !isDeleted(entryPoint) else {
            throw fail("entry point \(entryPoint) is missing or deleted")
        }
        guard Int(levels[Int(entryPoint)]) == maxLevel, maxLevel >= maxLiveLevel else {
            throw fail("max level \(maxLevel) does not match entry point level \(levels[Int(entryPoint)]) / highest live level \(maxLiveLevel)")
        }
        report.maxLevel = maxLevel
        // Reachability on level 0 (through tombstones, as searches walk).
        var seen = [Bool](repeating: false, count: slotCount)
        var stack: [UInt32] = [entryPoint]
        seen[Int(entryPoint)] = true
        var reached = 0
        while let s = stack.popLast() {
            if !isDeleted(s) { reached += 1 }
            let l = list(s, 0)
            for j in 0..<Int(l[0]) where !seen[Int(l[1 + j])] {
                seen[Int(l[1 + j])] = true
                stack.append(l[1 + j])
            }
        }
        report.unreachable = report.live - reached
        return report
    }
}
