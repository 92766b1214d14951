import AegisCore

/// Decoding memory rows that reuse the previous row's storage (docs/format-storage.md §2.1 is
/// unchanged; this is only how the reader builds values). Rows of one snapshot mostly share their
/// metadata key set, project and namespace, so when a row's bytes equal the previous row's, the
/// decoded value shares the previous row's arrays and strings instead of allocating new ones.
/// One cache per decoding thread.
struct RowDecodeCache {
    var projectId = ""
    var namespace = ""
    var metadata = JSONObject()
    var coordination = JSONObject()
}

extension RowCodec {
    /// `readObject`, but built on `template` when the object has the same keys in the same order:
    /// the key array is shared and values equal to the template's (same string) are not copied.
    static func readObject(_ r: inout ByteReader, like template: JSONObject) throws -> JSONObject {
        if !template.isEmpty, let o = try readObjectLike(template, r) { r = o.reader; return o.object }
        return try readObject(&r)
    }

    /// The fast path on a copy of the reader; nil (reader untouched) when the keys differ, so the
    /// general path decodes the object and reports any error with its own checks.
    private static func readObjectLike(_ template: JSONObject, _ r: ByteReader) throws -> (object: JSONObject, reader: ByteReader)? {
        var p = r
        guard try p.u8() == 7 else { return nil }
        let n = try p.count(minItemBytes: 2)
        guard n == template.count else { return nil }
        var o = template
        for j in 0..<n {
            let key = template.keys[j]
            guard try p.skipString(equalTo: key) else { return nil }
            let old = template.values[j]
            if case .string(let s) = old, try p.skipStringValue(equalTo: s) { continue }
            o[key] = try readJSON(&p, depth: 1)
        }
        return (o, p)
    }

    static func readMemoryRow(_ r: inout ByteReader, slot: Int32, cache c: inout RowDecodeCache) throws -> MemoryRow {
        let id = try r.str(), projectId = try r.str(reusing: c.projectId), userId = try r.optStr(), agentId = try r.optStr()
        let namespace = try r.str(reusing: c.namespace), memoryType = MemoryType(rawValue: try r.str()), content = try r.str()
        let hash = HashKey(raw: try r.bytes(32))
        let metadata = try readObject(&r, like: c.metadata), scope = try readScope(&r)
        let shared = try r.strList(), derived = try r.strList(), coordination = try readObject(&r, like: c.coordination)
        let createdAt = try r.ts(), updatedAt = try r.ts(), expiresAt = try r.optTs()
        let helpful = try r.i64(), harmful = try r.i64(), isDeprecated = try r.bool(), deprecatedAt = try r.optTs()
        let deprecatedBy = try r.optStr(), supersededBy = try r.optStr(), trajectory = try r.optStr(), pattern = try r.optStr()
        c.projectId = projectId; c.namespace = namespace; c.metadata = metadata; c.coordination = coordination
        return MemoryRow(id: id, projectId: projectId, userId: userId, agentId: agentId, namespace: namespace,
                         memoryType: memoryType, content: content, hash: hash, metadata: metadata, scope: scope,
                         sharedWithAgents: shared, derivedFromAgents: derived, coordinationMetadata: coordination,
                         createdAt: createdAt, updatedAt: updatedAt, expiresAt: expiresAt, bulletHelpful: helpful,
                         bulletHarmful: harmful, isDeprecated: isDeprecated, deprecatedAt: deprecatedAt,
                         deprecatedBy: deprecatedBy, supersededBy: supersededBy, sourceTrajectoryId: trajectory,
                         errorPattern: pattern, slot: slot)
    }
}

extension ByteReader {
    /// Whether the next bytes are `s` (length-prefixed); advances past them only if so.
    mutating func skipString(equalTo s: String) throws -> Bool {
        var p = self
        let n = try p.count()
        guard n == s.utf8.count else { return false }
        try p.need(n)
        let at = (p.base.map { $0 + p.position } ?? UnsafeRawPointer(bitPattern: 1)!).assumingMemoryBound(to: UInt8.self)
        let same = s.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(UnsafeBufferPointer(start: at, count: n)) }
            ?? s.utf8.elementsEqual(UnsafeBufferPointer(start: at, count: n))
        guard same else { return false }
        _ = try p.bytes(n)
        self = p
        return true
    }
    /// Whether the next JSON value is the string `s`; advances past it only if so.
    mutating func skipStringValue(equalTo s: String) throws -> Bool {
        guard position < count, base!.load(fromByteOffset: position, as: UInt8.self) == 5 else { return false }
        var p = self
        _ = try p.u8()
        guard try p.skipString(equalTo: s) else { return false }
        self = p
        return true
    }
    /// `str()`, returning `previous` itself (sharing its storage) when the bytes are equal.
    mutating func str(reusing previous: String) throws -> String {
        if !previous.isEmpty, try skipString(equalTo: previous) { return previous }
        return try str()
    }
}
