/// A memory id as a dictionary key that carries its hash. Swift dictionaries compare keys
/// on every probe; comparing two ids compares their heap bytes (a cache miss each), while
/// this compares the stored hashes first and the bytes only on a real match. The hash is
/// computed once, where the id is decoded (in parallel while a snapshot loads), so building
/// `memoryById` for a million rows hashes no string.
struct IdKey: Hashable, Sendable {
    let id: String
    let hash: Int

    @inline(__always) init(_ id: String) {
        self.id = id
        var h = Hasher()
        h.combine(id)
        hash = h.finalize()
    }

    @inline(__always) static func == (a: IdKey, b: IdKey) -> Bool { a.hash == b.hash && a.id == b.id }
    @inline(__always) func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    /// The stored (already seeded SipHash) value mixed with the table's seed: no second SipHash.
    @inline(__always) func _rawHashValue(seed: Int) -> Int { mixHash(hash, seed) }
}

/// SplitMix64's finalizer over `value ^ seed`: every output bit depends on every input bit, so
/// tables with different seeds (and sizes) place keys independently.
@inline(__always) func mixHash(_ value: Int, _ seed: Int) -> Int {
    var z = UInt64(bitPattern: Int64(value ^ seed))
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int(Int64(bitPattern: z ^ (z >> 31)))
}

extension Dictionary where Key == IdKey {
    /// Lookup / update by the plain id.
    @inline(__always) subscript(_ id: String) -> Value? {
        get { self[IdKey(id)] }
        set { self[IdKey(id)] = newValue }
    }
}
