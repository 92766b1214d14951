/// Order-preserving packing of (distance, slot) into one UInt64: comparing keys compares
/// distances first, then slots, so heaps work on plain integers and ties are deterministic.
@inline(__always)
func packKey(_ d: Float, _ slot: UInt32) -> UInt64 {
    let b = d.bitPattern
    let o = (b & 0x8000_0000) != 0 ? ~b : b | 0x8000_0000
    return UInt64(o) << 32 | UInt64(slot)
}

@inline(__always)
func keyDistance(_ k: UInt64) -> Float {
    let o = UInt32(truncatingIfNeeded: k >> 32)
    let b = (o & 0x8000_0000) != 0 ? o & 0x7FFF_FFFF : ~o
    return Float(bitPattern: b)
}

@inline(__always)
func keySlot(_ k: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: k) }

/// A binary max-heap of UInt64 keys over a raw buffer (no CoW, no ARC in the hot loop).
/// A min-heap is the same heap over complemented keys (`~key`).
struct KeyHeap {
    var buf: UnsafeMutablePointer<UInt64>
    var count = 0
    var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        buf = .allocate(capacity: self.capacity)
    }

    func free() { buf.deallocate() }

    @inline(__always) var top: UInt64 { buf[0] }
    @inline(__always) mutating func removeAll() { count = 0 }

    mutating func grow() {
        let n = capacity * 2
        let fresh = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        fresh.update(from: buf, count: count)
        buf.deallocate()
        buf = fresh
        capacity = n
    }

    @inline(__always)
    mutating func push(_ k: UInt64) {
        if count == capacity { grow() }
        var i = count
        count &+= 1
        while i > 0 {
            let p = (i &- 1) >> 1
            let pk = buf[p]
            if pk >= k { break }
            buf[i] = pk
            i = p
        }
        buf[i] = k
    }

    @inline(__always)
    @discardableResult
    mutating func pop() -> UInt64 {
        let result = buf[0]
        count &-= 1
        if count > 0 { siftDown(buf[count]) }
        return result
    }

    /// Replaces the top with `k` and restores the heap (pop + push in one pass).
    @inline(__always)
    mutating func replaceTop(_ k: UInt64) { siftDown(k) }

    @inline(__always)
    private mutating func siftDown(_ k: UInt64) {
        var i = 0
        let n = count
        while true {
            var c = 2 &* i &+ 1
            if c >= n { break }
            if c &+ 1 < n && buf[c &+ 1] > buf[c] { c &+= 1 }
            if buf[c] <= k { break }
            buf[i] = buf[c]
            i = c
        }
        buf[i] = k
    }
}

/// Per-search working memory, pooled so that steady-state searches allocate nothing.
/// The visited set is a tag array: a slot is visited when `visited[slot] == generation`;
/// it is cleared only when the 16-bit generation wraps around.
final class HNSWScratch: @unchecked Sendable {
    var visited: UnsafeMutablePointer<UInt16>
    var visitedCapacity: Int
    var generation: UInt16 = 0
    var candidates: KeyHeap
    var results: KeyHeap
    /// Neighbour ids copied out of a list (parallel build) or collected before distances.
    let nbuf: UnsafeMutablePointer<UInt32>
    /// Working lists for the neighbour heuristic.
    let sel: UnsafeMutablePointer<UInt64>
    let cand: UnsafeMutablePointer<UInt64>
    let nbuf64: UnsafeMutablePointer<UInt64>
    /// Neighbours chosen per level during an insert (`maxLevel + 1` rows of `listCapacity`).
    let levelSel: UnsafeMutablePointer<UInt64>
    let levelCount: UnsafeMutablePointer<Int>
    /// Distances matching `nbuf`.
    let dbuf: UnsafeMutablePointer<Float>
    let listCapacity: Int
    var sink: UInt8 = 0
    /// The prepared (normalised) query.
    var query: UnsafeMutablePointer<Float>
    var queryCapacity = 0
    /// The quantised query (int8 traversal codes), 64-byte aligned.
    var queryCodes: UnsafeMutableRawPointer?
    var queryCodesCapacity = 0

    init(slots: Int, maxList: Int) {
        visitedCapacity = max(slots, 64)
        visited = .allocate(capacity: visitedCapacity)
        visited.initialize(repeating: 0, count: visitedCapacity)
        candidates = KeyHeap(capacity: 512)
        results = KeyHeap(capacity: 512)
        listCapacity = maxList + 3
        nbuf = .allocate(capacity: listCapacity)
        sel = .allocate(capacity: listCapacity)
        cand = .allocate(capacity: listCapacity)
        nbuf64 = .allocate(capacity: listCapacity)
        dbuf = .allocate(capacity: listCapacity)
        levelSel = .allocate(capacity: (HNSWConfiguration.maxLevel + 1) * listCapacity)
        levelCount = .allocate(capacity: HNSWConfiguration.maxLevel + 1)
        levelCount.initialize(repeating: 0, count: HNSWConfiguration.maxLevel + 1)
        query = .allocate(capacity: 16)
        queryCapacity = 16
    }

    /// A buffer for the prepared query (grows once per dimension).
    func queryBuffer(_ n: Int) -> UnsafeMutablePointer<Float> {
        if n > queryCapacity {
            query.deallocate()
            query = .allocate(capacity: n)
            queryCapacity = n
        }
        return query
    }

    /// A buffer for the quantised query (grows once per dimension).
    func codeBuffer(_ bytes: Int) -> UnsafeMutableRawPointer {
        if bytes > queryCodesCapacity || queryCodes == nil {
            queryCodes?.deallocate()
            queryCodes = .allocate(byteCount: max(bytes, 64), alignment: 64)
            queryCodesCapacity = max(bytes, 64)
        }
        return queryCodes!
    }

    deinit {
        visited.deallocate()
        candidates.free()
        results.free()
        nbuf.deallocate()
        sel.deallocate()
        cand.deallocate()
        nbuf64.deallocate()
        dbuf.deallocate()
        levelSel.deallocate()
        levelCount.deallocate()
        query.deallocate()
        queryCodes?.deallocate()
    }

    /// Starts a new visit: returns the generation tag, growing the tag array if the index grew.
    @inline(__always)
    func beginVisit(slots: Int) -> UInt16 {
        if slots > visitedCapacity {
            visited.deallocate()
            visitedCapacity = max(slots, visitedCapacity * 2)
            visited = .allocate(capacity: visitedCapacity)
            visited.initialize(repeating: 0, count: visitedCapacity)
            generation = 0
        }
        generation &+= 1
        if generation == 0 {
            visited.update(repeating: 0, count: visitedCapacity)
            generation = 1
        }
        candidates.removeAll()
        results.removeAll()
        return generation
    }
}
