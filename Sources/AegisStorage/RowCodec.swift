import AegisCore

/// Row and JSON encodings of docs/format-storage.md §2 / §2.1.
enum RowCodec {
    // MARK: JSON
    static func writeJSON(_ v: JSONValue, _ w: inout ByteWriter) {
        switch v {
        case .null: w.u8(0)
        case .bool(let b): w.u8(b ? 2 : 1)
        case .int(let i): w.u8(3); w.i64(i)
        case .double(let d): w.u8(4); w.u64(d.bitPattern)
        case .string(let s): w.u8(5); w.str(s)
        case .array(let a): w.u8(6); w.varint(a.count); for x in a { writeJSON(x, &w) }
        case .object(let o): w.u8(7); writeObjectBody(o, &w)
        }
    }
    static func writeObject(_ o: JSONObject, _ w: inout ByteWriter) { w.u8(7); writeObjectBody(o, &w) }
    private static func writeObjectBody(_ o: JSONObject, _ w: inout ByteWriter) {
        w.varint(o.count)
        for (k, v) in o { w.str(k); writeJSON(v, &w) }
    }

    static func readJSON(_ r: inout ByteReader, depth: Int = 0) throws -> JSONValue {
        guard depth < StorageFormat.maxJSONDepth else { throw r.fail("JSON nested deeper than \(StorageFormat.maxJSONDepth)") }
        switch try r.u8() {
        case 0: return .null
        case 1: return .bool(false)
        case 2: return .bool(true)
        case 3: return .int(try r.i64())
        case 4: return .double(Double(bitPattern: try r.u64()))
        case 5: return .string(try r.str())
        case 6:
            let n = try r.count()
            var a: [JSONValue] = []
            a.reserveCapacity(n)
            for _ in 0..<n { a.append(try readJSON(&r, depth: depth + 1)) }
            return .array(a)
        case 7: return .object(try readObjectBody(&r, depth: depth + 1))
        case let t: throw r.fail("unknown JSON tag \(t)")
        }
    }
    static func readObject(_ r: inout ByteReader, depth: Int = 0) throws -> JSONObject {
        let tag = try r.u8()
        guard tag == 7 else { throw r.fail("expected a JSON object, found tag \(tag)") }
        return try readObjectBody(&r, depth: depth + 1)
    }
    private static func readObjectBody(_ r: inout ByteReader, depth: Int) throws -> JSONObject {
        let n = try r.count(minItemBytes: 2)
        var o = JSONObject()
        for _ in 0..<n {
            let k = try r.str()
            let v = try readJSON(&r, depth: depth)
            guard o[k] == nil else { throw r.fail("duplicate JSON key") }
            o[k] = v
        }
        return o
    }

    // MARK: small enums
    static func scopeByte(_ s: Scope) -> UInt8 {
        switch s { case .agentPrivate: 0; case .agentShared: 1; case .global: 2 }
    }
    static func readScope(_ r: inout ByteReader) throws -> Scope {
        switch try r.u8() {
        case 0: return .agentPrivate
        case 1: return .agentShared
        case 2: return .global
        case let b: throw r.fail("unknown scope \(b)")
        }
    }
    static func readVoteKind(_ r: inout ByteReader) throws -> VoteKind {
        switch try r.u8() {
        case 0: return .helpful
        case 1: return .harmful
        case let b: throw r.fail("unknown vote kind \(b)")
        }
    }
    static func writeOptTs(_ t: Timestamp?, _ w: inout ByteWriter) {
        if let t { w.u8(1); w.i64(t.microseconds) } else { w.u8(0) }
    }

    // MARK: memory row
    static func writeMemoryRow(_ m: MemoryRow, _ w: inout ByteWriter) {
        w.str(m.id); w.str(m.projectId); w.optStr(m.userId); w.optStr(m.agentId); w.str(m.namespace)
        w.str(m.memoryType.rawValue); w.str(m.content); w.raw(m.hash.rawBytes)
        writeObject(m.metadata, &w); w.u8(scopeByte(m.scope)); w.strList(m.sharedWithAgents)
        w.strList(m.derivedFromAgents); writeObject(m.coordinationMetadata, &w)
        w.i64(m.createdAt.microseconds); w.i64(m.updatedAt.microseconds); writeOptTs(m.expiresAt, &w)
        w.i64(m.bulletHelpful); w.i64(m.bulletHarmful); w.bool(m.isDeprecated); writeOptTs(m.deprecatedAt, &w)
        w.optStr(m.deprecatedBy); w.optStr(m.supersededBy); w.optStr(m.sourceTrajectoryId); w.optStr(m.errorPattern)
    }

    static func readMemoryRow(_ r: inout ByteReader, slot: Int32) throws -> MemoryRow {
        let id = try r.str(), projectId = try r.str(), userId = try r.optStr(), agentId = try r.optStr()
        let namespace = try r.str(), memoryType = MemoryType(rawValue: try r.str()), content = try r.str()
        let hash = HashKey(raw: try r.bytes(32))
        let metadata = try readObject(&r), scope = try readScope(&r)
        let shared = try r.strList(), derived = try r.strList(), coordination = try readObject(&r)
        let createdAt = try r.ts(), updatedAt = try r.ts(), expiresAt = try r.optTs()
        let helpful = try r.i64(), harmful = try r.i64(), isDeprecated = try r.bool(), deprecatedAt = try r.optTs()
        let deprecatedBy = try r.optStr(), supersededBy = try r.optStr(), trajectory = try r.optStr(), pattern = try r.optStr()
        return MemoryRow(id: id, projectId: projectId, userId: userId, agentId: agentId, namespace: namespace,
                         memoryType: memoryType, content: content, hash: hash, metadata: metadata, scope: scope,
                         sharedWithAgents: shared, derivedFromAgents: derived, coordinationMetadata: coordination,
                         createdAt: createdAt, updatedAt: updatedAt, expiresAt: expiresAt, bulletHelpful: helpful,
                         bulletHarmful: harmful, isDeprecated: isDeprecated, deprecatedAt: deprecatedAt,
                         deprecatedBy: deprecatedBy, supersededBy: supersededBy, sourceTrajectoryId: trajectory,
                         errorPattern: pattern, slot: slot)
    }

    // MARK: vote row
    static func writeVote(_ v: Vote, _ w: inout ByteWriter) {
        w.str(v.id); w.str(v.memoryId); w.str(v.projectId); w.str(v.voterAgentId)
        w.u8(v.vote == .helpful ? 0 : 1); w.optStr(v.context); w.optStr(v.taskId); w.i64(v.createdAt.microseconds)
    }
    static func readVote(_ r: inout ByteReader) throws -> Vote {
        let id = try r.str(), memoryId = try r.str(), projectId = try r.str(), voter = try r.str()
        let kind = try readVoteKind(&r), context = try r.optStr(), taskId = try r.optStr(), at = try r.ts()
        return Vote(id: id, memoryId: memoryId, projectId: projectId, voterAgentId: voter, vote: kind,
                    context: context, taskId: taskId, createdAt: at)
    }

    // MARK: session row
    static func writeSession(_ s: SessionProgress, _ w: inout ByteWriter) {
        w.str(s.id); w.str(s.projectId); w.str(s.sessionId); w.optStr(s.agentId); w.optStr(s.userId)
        w.str(s.namespace); w.strList(s.completedItems); w.optStr(s.inProgressItem); w.strList(s.nextItems)
        w.varint(s.blockedItems.count); for o in s.blockedItems { writeObject(o, &w) }
        w.str(s.status.rawValue); w.optStr(s.summary); w.optStr(s.lastAction)
        w.i64(s.totalItems); w.i64(s.completedCount); w.i64(s.createdAt.microseconds); w.i64(s.updatedAt.microseconds)
    }
    static func readObjectList(_ r: inout ByteReader) throws -> [JSONObject] {
        let n = try r.count(minItemBytes: 2)
        var out: [JSONObject] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try readObject(&r)) }
        return out
    }
    static func readSession(_ r: inout ByteReader) throws -> SessionProgress {
        let id = try r.str(), projectId = try r.str(), sessionId = try r.str(), agentId = try r.optStr()
        let userId = try r.optStr(), namespace = try r.str(), completed = try r.strList()
        let inProgress = try r.optStr(), next = try r.strList(), blocked = try readObjectList(&r)
        let status = SessionStatus(rawValue: try r.str()), summary = try r.optStr(), lastAction = try r.optStr()
        let total = try r.i64(), completedCount = try r.i64(), createdAt = try r.ts(), updatedAt = try r.ts()
        return SessionProgress(id: id, projectId: projectId, sessionId: sessionId, agentId: agentId, userId: userId,
                               namespace: namespace, completedItems: completed, inProgressItem: inProgress,
                               nextItems: next, blockedItems: blocked, status: status, summary: summary,
                               lastAction: lastAction, totalItems: total, completedCount: completedCount,
                               createdAt: createdAt, updatedAt: updatedAt)
    }

    // MARK: feature row
    static func writeFeature(_ f: FeatureRecord, _ w: inout ByteWriter) {
        w.str(f.id); w.str(f.projectId); w.optStr(f.sessionId); w.str(f.namespace); w.str(f.featureId)
        w.optStr(f.category); w.str(f.description); w.strList(f.testSteps); w.str(f.status.rawValue)
        w.bool(f.passes); w.optStr(f.implementedBy); w.optStr(f.verifiedBy); w.optStr(f.implementationNotes)
        w.optStr(f.failureReason); w.i64(f.createdAt.microseconds); w.i64(f.updatedAt.microseconds)
        writeOptTs(f.completedAt, &w)
    }
    static func readFeature(_ r: inout ByteReader) throws -> FeatureRecord {
        let id = try r.str(), projectId = try r.str(), sessionId = try r.optStr(), namespace = try r.str()
        let featureId = try r.str(), category = try r.optStr(), description = try r.str(), steps = try r.strList()
        let status = FeatureStatus(rawValue: try r.str()), passes = try r.bool(), implementedBy = try r.optStr()
        let verifiedBy = try r.optStr(), notes = try r.optStr(), failure = try r.optStr()
        let createdAt = try r.ts(), updatedAt = try r.ts(), completedAt = try r.optTs()
        return FeatureRecord(id: id, projectId: projectId, sessionId: sessionId, namespace: namespace,
                             featureId: featureId, category: category, description: description, testSteps: steps,
                             status: status, passes: passes, implementedBy: implementedBy, verifiedBy: verifiedBy,
                             implementationNotes: notes, failureReason: failure, createdAt: createdAt,
                             updatedAt: updatedAt, completedAt: completedAt)
    }
}
