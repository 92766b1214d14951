import AegisCore

/// Append-only byte chunks holding encoded memory rows (docs/engine.md, "Compact rows").
/// Bytes once written are never changed or moved while the arena lives, so a `SnapshotImage`
/// can read the rows it captured while the store's writer appends new ones. Appends are
/// serialised by the store's lock; the chunk table has a fixed capacity and is never
/// reallocated, so a reader never races a resize.
final class RowArena: @unchecked Sendable {
    static let chunkBytes = 1 << 20
    static let maxChunks = 1 << 16
    /// Offset bits of a reference (the chunk index is above them).
    static let offsetBits: UInt64 = 40
    private let table: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private(set) var chunkCount = 0
    /// Bytes used / available in the last chunk (appends go there).
    private var used = 0
    private var lastSize = 0
    /// Bytes allocated by all chunks.
    private(set) var allocatedBytes = 0

    init() {
        table = .allocate(capacity: Self.maxChunks)
        table.initialize(repeating: nil, count: Self.maxChunks)
    }

    deinit {
        for i in 0..<chunkCount { table[i]?.deallocate() }
        table.deallocate()
    }

    private func addChunk(_ size: Int) -> Int {
        precondition(chunkCount < Self.maxChunks, "row arena: more than \(Self.maxChunks) chunks")
        table[chunkCount] = UnsafeMutableRawPointer.allocate(byteCount: max(1, size), alignment: 16)
        chunkCount += 1
        allocatedBytes += size
        return chunkCount - 1
    }

    /// A chunk of `size` bytes for the caller to fill before publishing references into it
    /// (snapshot load decompresses its row blocks straight into one). Later appends go to new chunks.
    func region(size: Int) -> (index: Int, base: UnsafeMutableRawPointer) {
        let i = addChunk(size)
        used = size; lastSize = size
        return (i, table[i]!)
    }

    static func reference(chunk: Int, offset: Int) -> UInt64 { UInt64(chunk) << offsetBits | UInt64(offset) }

    /// Copies `bytes` in; returns their reference.
    func append(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        if chunkCount == 0 || used + bytes.count > lastSize {
            let size = max(Self.chunkBytes, bytes.count)
            _ = addChunk(size)
            used = 0; lastSize = size
        }
        let i = chunkCount - 1
        if bytes.count > 0 { (table[i]! + used).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count) }
        let ref = Self.reference(chunk: i, offset: used)
        used += bytes.count
        return ref
    }

    @inline(__always) func bytes(_ ref: UInt64, count: Int) -> UnsafeRawBufferPointer {
        let chunk = Int(ref >> Self.offsetBits), offset = Int(ref & ((1 << Self.offsetBits) - 1))
        return UnsafeRawBufferPointer(start: table[chunk]! + offset, count: count)
    }
}

/// The memory rows of a store, packed (docs/engine.md, "Compact rows"): each row is its
/// docs/format-storage.md §2.1 encoding in a `RowArena` plus a fixed 40-byte entry with the
/// fields that change in place (vote counters, `updated_at`, the vector slot). A row is
/// decoded only when it is read; nothing per row lives on the heap. A value type: a copy
/// (`SnapshotImage`) shares the arena and copies only the entry array (copy-on-write).
///
/// Any other change re-encodes the row into the arena; the old bytes become garbage, counted
/// in `garbageBytes`, and `compactIfWasteful` rewrites the arena once garbage outweighs the
/// live bytes.
struct PackedRows: @unchecked Sendable {
    struct Entry {
        /// Arena reference; `.max` = deleted row.
        var ref: UInt64
        var length: UInt32
        var slot: Int32
        var helpful: Int64
        var harmful: Int64
        var updatedAt: Int64
        static let deleted = Entry(ref: .max, length: 0, slot: -1, helpful: 0, harmful: 0, updatedAt: 0)
    }

    private(set) var entries: [Entry] = []
    private(set) var arena = RowArena()
    private(set) var liveBytes = 0
    private(set) var garbageBytes = 0

    init() {}

    var count: Int { entries.count }
    var indices: Range<Int> { entries.indices }
    var capacity: Int { entries.capacity }
    var arenaBytes: Int { arena.allocatedBytes }

    @inline(__always) func isLive(_ r: Int) -> Bool {
        entries.withUnsafeBufferPointer { $0[r].ref != .max }
    }

    /// The row (decoded from its bytes), or nil for a deleted row.
    subscript(r: Int) -> MemoryRow? {
        get {
            let e = entries[r]
            guard e.ref != .max else { return nil }
            return Self.decode(arena.bytes(e.ref, count: Int(e.length)), e)
        }
        set {
            guard let row = newValue else { delete(r); return }
            let e = entries[r]
            if e.ref != .max { garbageBytes += Int(e.length); liveBytes -= Int(e.length) }
            entries[r] = store(row)
        }
    }

    /// Decodes a row's bytes. They were fully decoded once before they were stored (at load or
    /// at write), so decoding cannot fail unless memory was corrupted under the process.
    static func decode(_ bytes: UnsafeRawBufferPointer, _ e: Entry) -> MemoryRow {
        var r = ByteReader(bytes, what: "packed memory row")
        do {
            var row = try RowCodec.readMemoryRow(&r, slot: e.slot)
            row.bulletHelpful = e.helpful
            row.bulletHarmful = e.harmful
            row.updatedAt = Timestamp(microseconds: e.updatedAt)
            return row
        } catch {
            preconditionFailure("packed memory row no longer decodes (memory corrupted in process): \(error)")
        }
    }

    private mutating func store(_ row: MemoryRow) -> Entry {
        var w = ByteWriter(capacity: 256 + row.content.utf8.count)
        RowCodec.writeMemoryRow(row, &w)
        let ref = w.bytes.withUnsafeBytes { arena.append($0) }
        liveBytes += w.count
        return Entry(ref: ref, length: UInt32(w.count), slot: row.slot, helpful: row.bulletHelpful,
                     harmful: row.bulletHarmful, updatedAt: row.updatedAt.microseconds)
    }

    mutating func append(_ row: MemoryRow) {
        entries.append(store(row))
    }

    /// Snapshot load: the entries of rows whose bytes the loader put into `loadingArena`.
    mutating func adoptLoaded(entries loaded: [Entry], liveBytes bytes: Int) {
        entries = loaded
        liveBytes = bytes
    }
    mutating func reserveCapacity(_ n: Int) { entries.reserveCapacity(n) }
    /// Hands the arena to a loader that fills a region before any reference to it is appended.
    var loadingArena: RowArena { arena }

    mutating func delete(_ r: Int) {
        guard entries[r].ref != .max else { return }
        garbageBytes += Int(entries[r].length)
        liveBytes -= Int(entries[r].length)
        entries[r] = .deleted
    }

    /// A vote: counters and `updated_at` change in the entry only.
    mutating func vote(_ r: Int, helpful: Bool, at: Timestamp) {
        entries.withUnsafeMutableBufferPointer { e in
            if helpful { e[r].helpful += 1 } else { e[r].harmful += 1 }
            e[r].updatedAt = at.microseconds
        }
    }

    /// The vector slot of a row changes (re-embedding into a new arena); the bytes stay.
    mutating func setSlot(_ r: Int, _ slot: Int32) { entries[r].slot = slot }

    /// Any other change: decode, change, re-encode.
    mutating func modify(_ r: Int, _ body: (inout MemoryRow) -> Void) {
        guard var row = self[r] else { return }
        body(&row)
        self[r] = row
        compactIfWasteful()
    }

    /// Rewrites the arena with only the live rows once garbage exceeds both 64 MiB and the
    /// live bytes (so a row's bytes are copied at most about once per rewrite of all rows).
    mutating func compactIfWasteful() {
        guard garbageBytes > max(64 << 20, liveBytes) else { return }
        let fresh = RowArena()
        var out = entries
        out.withUnsafeMutableBufferPointer { e in
            for i in e.indices where e[i].ref != .max {
                e[i].ref = fresh.append(arena.bytes(e[i].ref, count: Int(e[i].length)))
            }
        }
        entries = out
        arena = fresh
        garbageBytes = 0
    }
}
