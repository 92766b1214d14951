import AegisVector
import Dispatch
import Synchronization

private final class WorkCounter: Sendable {
    let next = Atomic<Int>(0)
}

extension HNSWIndex {
    /// Inserts many items (owning index only): `vectors` holds `labels.count` rows of
    /// `dimension` floats.
    /// With `threads == 1` the graph is identical to inserting the rows one at a time in
    /// order; with more threads the rows are linked concurrently (fine-grained locks per
    /// neighbour list) and the graph differs in detail but reaches the same recall.
    /// Labels already present are replaced; a label repeated inside the batch is an error.
    public func insert(labels newLabels: [UInt64], vectors rows: UnsafeBufferPointer<Float>, threads: Int = 1) throws(HNSWError) {
        guard !externalVectors else {
            throw HNSWError(.invalidArgument, "an index with external vectors takes stable rows: insert(labels:stableVectors:threads:)")
        }
        guard rows.count == newLabels.count * dim else {
            throw HNSWError(.dimensionMismatch, "\(rows.count) floats for \(newLabels.count) vectors of dimension \(dim)")
        }
        guard let src = rows.baseAddress, !newLabels.isEmpty else { return }
        let pointers = (0..<newLabels.count).map { UnsafePointer(src + $0 * dim) }
        try exclusive { () throws(HNSWError) in
            try insertBatchLocked(labels: newLabels, rows: pointers, threads: threads)
        }
    }

    public func insert(labels newLabels: [UInt64], vectors rows: [Float], threads: Int = 1) throws(HNSWError) {
        try rows.withUnsafeBufferPointer { (p) throws(HNSWError) in try insert(labels: newLabels, vectors: p, threads: threads) }
    }

    /// Inserts many items whose rows (`dimension` floats each, in stored form: normalised for
    /// cosine) stay valid and unchanged while they are in the index. An index with external
    /// vectors keeps the pointers; an owning index copies the rows.
    public func insert(labels newLabels: [UInt64], stableVectors rows: [UnsafePointer<Float>], threads: Int = 1) throws(HNSWError) {
        guard rows.count == newLabels.count else {
            throw HNSWError(.dimensionMismatch, "\(rows.count) rows for \(newLabels.count) labels")
        }
        try exclusive { () throws(HNSWError) in
            try insertBatchLocked(labels: newLabels, rows: rows, threads: threads)
        }
    }

    func insertBatchLocked(labels newLabels: [UInt64], rows: [UnsafePointer<Float>], threads: Int) throws(HNSWError) {
        let n = newLabels.count
        guard threads >= 1, threads <= 256 else { throw HNSWError(.invalidArgument, "threads \(threads) outside 1...256") }
        guard rows.count == n else { throw HNSWError(.dimensionMismatch, "\(rows.count) rows for \(n) labels") }
        guard n > 0 else { return }
        var seen = Set<UInt64>(minimumCapacity: n)
        for (i, label) in newLabels.enumerated() {
            guard seen.insert(label).inserted else {
                throw HNSWError(.duplicateLabel, "label \(label) appears twice in the batch (row \(i))")
            }
            guard VectorKernels.allFinite(rows[i], dim) else {
                throw HNSWError(.nonFinite, "row \(i) (label \(label)) contains NaN or infinity")
            }
        }
        for label in newLabels where labelToSlot[label] != nil { removeLocked(label) }
        guard slotCount + n <= Self.maxSlots else { throw HNSWError(.capacityExceeded, "too many slots") }
        // Geometric growth, as single inserts do: repeated small batches (an import's chunks)
        // must not copy the whole graph on every call.
        if slotCount + n > capacity { try reserveUnlocked(min(Self.maxSlots, max(slotCount + n, capacity + capacity / 2))) }
        let first = slotCount
        var levelsDrawn = [Int]()
        levelsDrawn.reserveCapacity(n)
        for i in 0..<n {
            let s = UInt32(first + i)
            let level = drawLevel()
            levelsDrawn.append(level)
            initSlot(s, level: level)
            storeVector(s, rows[i])
            labels[Int(s)] = newLabels[i]
            labelToSlot[newLabels[i]] = s
        }
        slotCount = first + n
        let workers = min(threads, n)
        if workers == 1 {
            withScratch { scratch in
                for i in 0..<n { link(UInt32(first + i), level: levelsDrawn[i], scratch: scratch) }
            }
            return
        }
        // Seed the graph sequentially so every worker starts from a real entry point.
        var start = 0
        withScratch { scratch in
            while start < n && (entryPoint == .max || start < 1) {
                link(UInt32(first + start), level: levelsDrawn[start], scratch: scratch)
                start += 1
            }
        }
        stripes = StripedLocks(count: 4096)
        defer { stripes = nil }
        let counter = WorkCounter()
        let chunk = 16
        let lv = levelsDrawn
        let begin = start
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            withScratch { scratch in
                while true {
                    let b = begin + counter.next.wrappingAdd(chunk, ordering: .relaxed).oldValue
                    if b >= n { break }
                    for i in b..<min(n, b + chunk) {
                        link(UInt32(first + i), level: lv[i], scratch: scratch)
                    }
                }
            }
        }
    }
}
