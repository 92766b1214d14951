import AegisCore

/// The attributes of a memory that its vector space keeps (docs/engine.md, "Compact per-memory
/// state"): everything a search filters or ranks on, without content or metadata. Decoded from
/// a packed row without building its content, metadata or coordination values, so the start-up
/// and graph reconciliation read a million rows without a heap object per field.
public struct MemoryHead: Sendable, Equatable {
    public var id: String
    public var namespace: String
    public var userId: String?
    public var agentId: String?
    public var memoryType: MemoryType
    public var scope: Scope
    public var sharedWithAgents: [String]
    public var createdAt: Timestamp
    public var expiresAt: Timestamp?
    public var isDeprecated: Bool
    public var bulletHelpful: Int64
    public var bulletHarmful: Int64
    public var hash: HashKey

    public init(_ m: Memory) {
        id = m.id; namespace = m.namespace; userId = m.userId; agentId = m.agentId; memoryType = m.memoryType
        scope = m.scope; sharedWithAgents = m.sharedWithAgents; createdAt = m.createdAt; expiresAt = m.expiresAt
        isDeprecated = m.isDeprecated; bulletHelpful = m.bulletHelpful; bulletHarmful = m.bulletHarmful
        hash = HashKey(hex: m.contentHash) ?? .zero
    }

    init(id: String, namespace: String, userId: String?, agentId: String?, memoryType: MemoryType, scope: Scope,
         sharedWithAgents: [String], createdAt: Timestamp, expiresAt: Timestamp?, isDeprecated: Bool,
         bulletHelpful: Int64, bulletHarmful: Int64, hash: HashKey) {
        self.id = id; self.namespace = namespace; self.userId = userId; self.agentId = agentId
        self.memoryType = memoryType; self.scope = scope; self.sharedWithAgents = sharedWithAgents
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.isDeprecated = isDeprecated
        self.bulletHelpful = bulletHelpful; self.bulletHarmful = bulletHarmful; self.hash = hash
    }
}

extension RowCodec {
    /// The head of an encoded memory row (§2.1), skipping content, metadata and coordination
    /// metadata (checked for structure, not built).
    static func readMemoryHead(_ r: inout ByteReader) throws -> MemoryHead {
        let id = try r.str()
        try r.skipStr()                                   // project_id
        let userId = try r.optStr(), agentId = try r.optStr()
        let namespace = try r.str(), memoryType = MemoryType(rawValue: try r.str())
        try r.skipStr()                                   // content
        let hash = HashKey(raw: try r.bytes(32))
        try skipJSON(&r)                                  // metadata
        let scope = try readScope(&r)
        let shared = try r.strList()
        let derived = try r.count(); for _ in 0..<derived { try r.skipStr() }
        try skipJSON(&r)                                  // coordination metadata
        let createdAt = try r.ts()
        _ = try r.i64()                                   // updated_at (the entry's is current)
        let expiresAt = try r.optTs()
        let helpful = try r.i64(), harmful = try r.i64(), isDeprecated = try r.bool()
        return MemoryHead(id: id, namespace: namespace, userId: userId, agentId: agentId, memoryType: memoryType,
                          scope: scope, sharedWithAgents: shared, createdAt: createdAt, expiresAt: expiresAt,
                          isDeprecated: isDeprecated, bulletHelpful: helpful, bulletHarmful: harmful, hash: hash)
    }

    static func skipJSON(_ r: inout ByteReader, depth: Int = 0) throws {
        guard depth < StorageFormat.maxJSONDepth else { throw r.fail("JSON nested deeper than \(StorageFormat.maxJSONDepth)") }
        switch try r.u8() {
        case 0, 1, 2: return
        case 3, 4: _ = try r.bytes(8)
        case 5: try r.skipStr()
        case 6:
            let n = try r.count()
            for _ in 0..<n { try skipJSON(&r, depth: depth + 1) }
        case 7:
            let n = try r.count(minItemBytes: 2)
            for _ in 0..<n { try r.skipStr(); try skipJSON(&r, depth: depth + 1) }
        case let t: throw r.fail("unknown JSON tag \(t)")
        }
    }
}

extension ByteReader {
    /// Advances past a length-prefixed string without building it.
    mutating func skipStr() throws { _ = try bytes(try count()) }
}

extension PackedRows {
    /// The head of row `r` (nil for a deleted row), with the entry's current counters.
    func head(_ r: Int) -> MemoryHead? {
        let e = entries[r]
        guard e.ref != .max else { return nil }
        var reader = ByteReader(arena.bytes(e.ref, count: Int(e.length)), what: "packed memory row")
        do {
            var h = try RowCodec.readMemoryHead(&reader)
            h.bulletHelpful = e.helpful
            h.bulletHarmful = e.harmful
            return h
        } catch {
            preconditionFailure("packed memory row no longer decodes (memory corrupted in process): \(error)")
        }
    }
}

extension PackedRows {
    /// Writes row `r`'s §2.1 encoding with the entry's current `updated_at` and vote counters
    /// (the snapshot writer): the stored bytes are copied and those three fields replaced, so a
    /// checkpoint does not decode and re-encode every row.
    func writeEncoded(_ r: Int, _ w: inout ByteWriter) {
        let e = entries[r]
        precondition(e.ref != .max, "writeEncoded of a deleted row")
        let bytes = arena.bytes(e.ref, count: Int(e.length))
        var reader = ByteReader(bytes, what: "packed memory row")
        do {
            // Skip to created_at: id, project, user, agent, namespace, type, content, hash,
            // metadata, scope, shared, derived, coordination.
            try reader.skipStr(); try reader.skipStr()
            if try reader.presence() { try reader.skipStr() }
            if try reader.presence() { try reader.skipStr() }
            try reader.skipStr(); try reader.skipStr(); try reader.skipStr()
            _ = try reader.bytes(32)
            try RowCodec.skipJSON(&reader)
            _ = try reader.u8()
            for _ in 0..<2 { let n = try reader.count(); for _ in 0..<n { try reader.skipStr() } }
            try RowCodec.skipJSON(&reader)
            _ = try reader.i64()                                   // created_at
            let updatedAt = reader.position
            _ = try reader.i64()
            _ = try reader.optTs()                                 // expires_at
            let counters = reader.position
            w.raw(UnsafeRawBufferPointer(rebasing: bytes[0..<updatedAt]))
            w.i64(e.updatedAt)
            w.raw(UnsafeRawBufferPointer(rebasing: bytes[(updatedAt + 8)..<counters]))
            w.i64(e.helpful)
            w.i64(e.harmful)
            w.raw(UnsafeRawBufferPointer(rebasing: bytes[(counters + 16)...]))
        } catch {
            preconditionFailure("packed memory row no longer decodes (memory corrupted in process): \(error)")
        }
    }
}
