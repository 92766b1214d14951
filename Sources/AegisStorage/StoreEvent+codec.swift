import AegisCore

/// Log payload encoding of events (docs/format-storage.md §3).
enum EventCodec {
    /// Encodes a commit: one event → its own record type; several → a `batch` record.
    static func encodeRecord(_ events: [StoreEvent]) -> (type: UInt8, payload: [UInt8]) {
        var w = ByteWriter(capacity: 512)
        w.u8(StorageFormat.payloadVersion)
        if events.count == 1 {
            encodeBody(events[0], &w)
            return (events[0].recordType.rawValue, w.bytes)
        }
        w.varint(events.count)
        for e in events {
            w.u8(e.recordType.rawValue)
            var body = ByteWriter(capacity: 256)
            encodeBody(e, &body)
            w.varint(body.count)
            w.raw(body.bytes)
        }
        return (StoreRecordType.batch.rawValue, w.bytes)
    }

    /// Decodes one log record's payload into its events. `dimension` (when known) is enforced
    /// for vectors. Throws `corruption` or `unsupportedVersion` naming `what`.
    static func decodeRecord(type: UInt8, payload: UnsafeRawBufferPointer, what: @autoclosure () -> String, dimension: Int?) throws -> [StoreEvent] {
        do {
            return try decode(type: type, payload: payload, dimension: dimension)
        } catch let e as AegisError {
            let w = what()
            throw AegisError(e.code, w.isEmpty ? e.message : "\(w): \(e.message)", field: e.field, location: e.location)
        }
    }

    /// As `decodeRecord`, appending the events to `out` (on a throw, `out` may hold some of them).
    static func decodeRecord(type: UInt8, payload: UnsafeRawBufferPointer, what: @autoclosure () -> String, dimension: Int?,
                             into out: inout [StoreEvent]) throws {
        do {
            try decode(type: type, payload: payload, dimension: dimension, into: &out)
        } catch let e as AegisError {
            let w = what()
            throw AegisError(e.code, w.isEmpty ? e.message : "\(w): \(e.message)", field: e.field, location: e.location)
        }
    }

    private static func decode(type: UInt8, payload: UnsafeRawBufferPointer, dimension: Int?) throws -> [StoreEvent] {
        var out: [StoreEvent] = []
        try decode(type: type, payload: payload, dimension: dimension, into: &out)
        return out
    }

    /// As `decodeRecord(type:payload:what:dimension:into:)` for any sink (replay batches take
    /// votes apart from the other events).
    static func decodeRecord(type: UInt8, payload: UnsafeRawBufferPointer, what: @autoclosure () -> String, dimension: Int?,
                             into out: inout some EventSink) throws {
        do {
            try decode(type: type, payload: payload, dimension: dimension, into: &out)
        } catch let e as AegisError {
            let w = what()
            throw AegisError(e.code, w.isEmpty ? e.message : "\(w): \(e.message)", field: e.field, location: e.location)
        }
    }

    private static func decode(type: UInt8, payload: UnsafeRawBufferPointer, dimension: Int?, into out: inout some EventSink) throws {
        let what = ""
        var r = ByteReader(payload, what: what)
        let version = try r.u8()
        guard version <= StorageFormat.payloadVersion else {
            throw AegisError(.unsupportedVersion, "payload version \(version), this build reads ≤ \(StorageFormat.payloadVersion)")
        }
        guard version >= 1 else { throw r.fail("payload version 0") }
        guard let t = StoreRecordType(rawValue: type) else {
            throw AegisError(.unsupportedVersion, "record type \(type) is unknown to this version")
        }
        if t == .batch {
            let n = try r.count(minItemBytes: 2, limit: StorageFormat.maxBatchEvents)
            guard n >= 1 else { throw r.fail("empty batch") }
            out.reserve(n)
            for _ in 0..<n {
                let sub = try r.u8()
                guard let st = StoreRecordType(rawValue: sub), st != .batch else {
                    throw r.fail("batch member of type \(sub)")
                }
                let len = try r.count()
                let body = try r.bytes(len)
                var br = ByteReader(body, what: what)
                if st == .vote {
                    let v = try RowCodec.readVote(&br)
                    try br.expectEnd()
                    out.appendVote(v)
                } else {
                    out.append(try decodeBody(st, &br, dimension: dimension))
                    try br.expectEnd()
                }
            }
            try r.expectEnd()
            return
        }
        if t == .vote {
            let v = try RowCodec.readVote(&r)
            try r.expectEnd()
            out.appendVote(v)
            return
        }
        let e = try decodeBody(t, &r, dimension: dimension)
        try r.expectEnd()
        out.append(e)
    }

    // MARK: bodies

    static func encodeBody(_ e: StoreEvent, _ w: inout ByteWriter) {
        switch e {
        case .config(let model, let dim):
            w.str(model); w.varint(dim)
        case .memoryPut(let m):
            let row = MemoryRow(m, hash: HashKey(hex: m.contentHash) ?? HashKey(a: 0, b: 0, c: 0, d: 0), slot: -1)
            RowCodec.writeMemoryRow(row, &w)
            w.floats(m.embedding)
        case .memoryUpdate(let u):
            w.str(u.projectId); w.str(u.id); w.i64(u.updatedAt.microseconds)
            var mask: UInt8 = 0
            if u.metadataPatch != nil { mask |= 1 }
            if u.metadata != nil { mask |= 2 }
            if u.embedding != nil { mask |= 4 }
            if u.expiresAt != nil { mask |= 8 }
            if u.content != nil { mask |= 16 }
            if u.scope != nil { mask |= 32 }
            if u.sharedWithAgents != nil { mask |= 64 }
            if u.memoryType != nil { mask |= 128 }
            w.u8(mask)
            if let p = u.metadataPatch { RowCodec.writeObject(p, &w) }
            if let m = u.metadata { RowCodec.writeObject(m, &w) }
            if let v = u.embedding { w.floats(v) }
            if let e = u.expiresAt { RowCodec.writeOptTs(e, &w) }
            if let c = u.content { w.str(c); w.str(u.contentHash ?? "") }
            if let s = u.scope { w.str(s.rawValue) }
            if let l = u.sharedWithAgents { w.strList(l) }
            if let t = u.memoryType { w.str(t.rawValue) }
        case .memoryDeprecate(let d):
            w.str(d.projectId); w.str(d.id); w.i64(d.at.microseconds)
            w.optStr(d.deprecatedBy); w.optStr(d.supersededBy); w.optStr(d.reason)
        case .memoryDelete(let p, let id):
            w.str(p); w.str(id)
        case .vote(let v):
            RowCodec.writeVote(v, &w)
        case .sessionCreate(let s):
            RowCodec.writeSession(s, &w)
        case .sessionPatch(let p):
            w.str(p.projectId); w.str(p.sessionId); w.i64(p.updatedAt.microseconds)
            var mask: UInt16 = 0
            if p.completedItems != nil { mask |= 1 }
            if p.inProgressItem != nil { mask |= 2 }
            if p.nextItems != nil { mask |= 4 }
            if p.blockedItems != nil { mask |= 8 }
            if p.summary != nil { mask |= 16 }
            if p.lastAction != nil { mask |= 32 }
            if p.status != nil { mask |= 64 }
            if p.totalItems != nil { mask |= 128 }
            w.u16(mask)
            if let v = p.completedItems { w.strList(v) }
            if let v = p.inProgressItem { w.optStr(v) }
            if let v = p.nextItems { w.strList(v) }
            if let v = p.blockedItems { w.varint(v.count); for o in v { RowCodec.writeObject(o, &w) } }
            if let v = p.summary { w.optStr(v) }
            if let v = p.lastAction { w.optStr(v) }
            if let v = p.status { w.str(v.rawValue) }
            if let v = p.totalItems { w.i64(v) }
        case .featureCreate(let f):
            RowCodec.writeFeature(f, &w)
        case .featurePatch(let p):
            w.str(p.projectId); w.str(p.namespace); w.str(p.featureId); w.i64(p.updatedAt.microseconds)
            var mask: UInt16 = 0
            if p.status != nil { mask |= 1 }
            if p.passes != nil { mask |= 2 }
            if p.implementedBy != nil { mask |= 4 }
            if p.verifiedBy != nil { mask |= 8 }
            if p.implementationNotes != nil { mask |= 16 }
            if p.failureReason != nil { mask |= 32 }
            if p.completedAt != nil { mask |= 64 }
            w.u16(mask)
            if let v = p.status { w.str(v.rawValue) }
            if let v = p.passes { w.bool(v) }
            if let v = p.implementedBy { w.optStr(v) }
            if let v = p.verifiedBy { w.optStr(v) }
            if let v = p.implementationNotes { w.optStr(v) }
            if let v = p.failureReason { w.optStr(v) }
            if let v = p.completedAt { RowCodec.writeOptTs(v, &w) }
        }
    }

    static func decodeBody(_ t: StoreRecordType, _ r: inout ByteReader, dimension: Int?) throws -> StoreEvent {
        switch t {
        case .config:
            let model = try r.str()
            let dim = try r.varint()
            guard dim <= 1 << 20 else { throw r.fail("dimension \(dim)") }
            return .config(embeddingModel: model, dimension: Int(dim))
        case .memoryPut:
            let row = try RowCodec.readMemoryRow(&r, slot: -1)
            let v = try r.floats(expected: dimension)
            return .memoryPut(row.memory(embedding: v))
        case .memoryUpdate:
            let p = try r.str(), id = try r.str(), at = try r.ts()
            let mask = try r.u8()
            var u = MemoryUpdate(projectId: p, id: id, updatedAt: at)
            if mask & 1 != 0 { u.metadataPatch = try RowCodec.readObject(&r) }
            if mask & 2 != 0 { u.metadata = try RowCodec.readObject(&r) }
            if mask & 4 != 0 { u.embedding = try r.floats(expected: dimension) }
            if mask & 8 != 0 { u.expiresAt = .some(try r.optTs()) }
            if mask & 16 != 0 { u.content = try r.str(); u.contentHash = try r.str() }
            if mask & 32 != 0 {
                let s = try r.str()
                guard let scope = Scope(rawValue: s) else { throw r.fail("memoryUpdate scope \(s)") }
                u.scope = scope
            }
            if mask & 64 != 0 { u.sharedWithAgents = try r.strList() }
            if mask & 128 != 0 { u.memoryType = MemoryType(rawValue: try r.str()) }
            return .memoryUpdate(u)
        case .memoryDeprecate:
            let p = try r.str(), id = try r.str(), at = try r.ts()
            let by = try r.optStr(), sup = try r.optStr(), reason = try r.optStr()
            return .memoryDeprecate(MemoryDeprecation(projectId: p, id: id, at: at, deprecatedBy: by, supersededBy: sup, reason: reason))
        case .memoryDelete:
            let p = try r.str(), id = try r.str()
            return .memoryDelete(projectId: p, id: id)
        case .vote:
            return .vote(try RowCodec.readVote(&r))
        case .sessionCreate:
            return .sessionCreate(try RowCodec.readSession(&r))
        case .sessionPatch:
            let p = try r.str(), sid = try r.str(), at = try r.ts()
            let mask = try r.u16()
            guard mask & ~0xFF == 0 else { throw r.fail("sessionPatch mask \(mask)") }
            var s = SessionPatch(projectId: p, sessionId: sid, updatedAt: at)
            if mask & 1 != 0 { s.completedItems = try r.strList() }
            if mask & 2 != 0 { s.inProgressItem = .some(try r.optStr()) }
            if mask & 4 != 0 { s.nextItems = try r.strList() }
            if mask & 8 != 0 { s.blockedItems = try RowCodec.readObjectList(&r) }
            if mask & 16 != 0 { s.summary = .some(try r.optStr()) }
            if mask & 32 != 0 { s.lastAction = .some(try r.optStr()) }
            if mask & 64 != 0 { s.status = SessionStatus(rawValue: try r.str()) }
            if mask & 128 != 0 { s.totalItems = try r.i64() }
            return .sessionPatch(s)
        case .featureCreate:
            return .featureCreate(try RowCodec.readFeature(&r))
        case .featurePatch:
            let p = try r.str(), ns = try r.str(), fid = try r.str(), at = try r.ts()
            let mask = try r.u16()
            guard mask & ~0x7F == 0 else { throw r.fail("featurePatch mask \(mask)") }
            var f = FeaturePatch(projectId: p, namespace: ns, featureId: fid, updatedAt: at)
            if mask & 1 != 0 { f.status = FeatureStatus(rawValue: try r.str()) }
            if mask & 2 != 0 { f.passes = try r.bool() }
            if mask & 4 != 0 { f.implementedBy = .some(try r.optStr()) }
            if mask & 8 != 0 { f.verifiedBy = .some(try r.optStr()) }
            if mask & 16 != 0 { f.implementationNotes = .some(try r.optStr()) }
            if mask & 32 != 0 { f.failureReason = .some(try r.optStr()) }
            if mask & 64 != 0 { f.completedAt = .some(try r.optTs()) }
            return .featurePatch(f)
        case .batch:
            throw r.fail("nested batch")
        }
    }
}

/// Where decoded events go: an array, or a replay batch that keeps votes apart (so they are
/// moved, never copied, into the state).
protocol EventSink {
    mutating func reserve(_ n: Int)
    mutating func append(_ e: StoreEvent)
    mutating func appendVote(_ v: Vote)
}

extension Array: EventSink where Element == StoreEvent {
    mutating func reserve(_ n: Int) { reserveCapacity(count + n) }
    mutating func appendVote(_ v: Vote) { append(.vote(v)) }
}
