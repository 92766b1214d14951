import AegisCore
import AegisLog
@testable import AegisStorage
import Testing

func sampleEvents(_ fx: inout Fixture) -> [StoreEvent] {
    let m = fx.memory(agent: "agent-ü")
    let t = fx.tick()
    return [
        .config(embeddingModel: "all-MiniLM-L6-v2", dimension: fx.dimension),
        .memoryPut(m),
        .memoryUpdate(MemoryUpdate(projectId: testProject, id: m.id, updatedAt: t, metadataPatch: ["k": .double(-0.0)],
                                   metadata: ["a": .array([.int(Int64.min), .string("")])], embedding: fx.vector(),
                                   expiresAt: .some(nil))),
        .memoryUpdate(MemoryUpdate(projectId: testProject, id: m.id, updatedAt: t, expiresAt: .some(t))),
        .memoryDeprecate(MemoryDeprecation(projectId: testProject, id: m.id, at: t, deprecatedBy: nil, supersededBy: "x", reason: "why")),
        .memoryDelete(projectId: testProject, id: m.id),
        .vote(Vote(id: fx.id(), memoryId: m.id, projectId: testProject, voterAgentId: "v", vote: .harmful, context: "ctx",
                   taskId: nil, createdAt: t)),
        .sessionCreate(SessionProgress(id: fx.id(), projectId: testProject, sessionId: "s", agentId: "a", completedItems: ["x"],
                                       blockedItems: [["item": .string("b"), "reason": .string("r")]], status: "weird",
                                       summary: "sum", totalItems: -3, completedCount: 1, createdAt: t)),
        .sessionPatch(SessionPatch(projectId: testProject, sessionId: "s", updatedAt: t, completedItems: ["y"], inProgressItem: .some(""),
                                   nextItems: [], blockedItems: [], summary: .some(nil), lastAction: "act", status: .paused, totalItems: 5)),
        .sessionPatch(SessionPatch(projectId: testProject, sessionId: "s", updatedAt: t)),
        .featureCreate(FeatureRecord(id: fx.id(), projectId: testProject, sessionId: "s", namespace: "n", featureId: "f", category: "c",
                                     description: "desc", testSteps: ["1", "2"], createdAt: t, completedAt: t)),
        .featurePatch(FeaturePatch(projectId: testProject, namespace: "n", featureId: "f", updatedAt: t, status: .failed, passes: false,
                                   implementedBy: .some("i"), verifiedBy: .some(nil), implementationNotes: "notes",
                                   failureReason: "boom", completedAt: .some(nil))),
    ]
}

@Suite struct EventCodecTests {
    @Test func everyEventRoundTrips() throws {
        var fx = Fixture(seed: 3)
        let events = sampleEvents(&fx)
        for e in events {
            let (type, payload) = EventCodec.encodeRecord([e])
            #expect(type == e.recordType.rawValue)
            let back = try payload.withUnsafeBytes { try EventCodec.decodeRecord(type: type, payload: $0, what: "t", dimension: nil) }
            #expect(back == [e])
        }
        let (type, payload) = EventCodec.encodeRecord(events)
        #expect(type == StoreRecordType.batch.rawValue)
        let back = try payload.withUnsafeBytes { try EventCodec.decodeRecord(type: type, payload: $0, what: "t", dimension: nil) }
        #expect(back == events)
    }

    @Test func newerPayloadVersionAndUnknownTypeAreUnsupported() throws {
        var fx = Fixture()
        var (type, payload) = EventCodec.encodeRecord([.memoryDelete(projectId: "p", id: "x")])
        payload[0] = 2
        #expect(throws: AegisError(.unsupportedVersion, "t: payload version 2, this build reads ≤ 1")) {
            try payload.withUnsafeBytes { try EventCodec.decodeRecord(type: type, payload: $0, what: "t", dimension: nil) }
        }
        (type, payload) = EventCodec.encodeRecord([.memoryPut(fx.memory())])
        do {
            _ = try payload.withUnsafeBytes { try EventCodec.decodeRecord(type: 99, payload: $0, what: "t", dimension: nil) }
            Issue.record("decoded an unknown type")
        } catch let e as AegisError { #expect(e.code == .unsupportedVersion) }
    }

    /// Every truncation and 2,000 random bit flips / byte garbles of every payload: decoding
    /// either throws an AegisError or returns events; it never crashes or over-allocates.
    @Test func hostilePayloadsNeverCrash() throws {
        var fx = Fixture(seed: 11)
        var rng = SplitMix64(seed: 99)
        let events = sampleEvents(&fx)
        var encoded = events.map { EventCodec.encodeRecord([$0]) }
        encoded.append(EventCodec.encodeRecord(events))
        var threw = 0
        func attempt(_ type: UInt8, _ bytes: [UInt8]) {
            do { _ = try bytes.withUnsafeBytes { try EventCodec.decodeRecord(type: type, payload: $0, what: "t", dimension: nil) } }
            catch is AegisError { threw += 1 } catch { Issue.record("unexpected error type \(error)") }
        }
        for (type, payload) in encoded {
            for cut in 0..<payload.count { attempt(type, Array(payload[0..<cut])) }
            for _ in 0..<200 {
                var b = payload
                let i = Int(rng.next() % UInt64(b.count))
                if rng.next() % 2 == 0 { b[i] ^= UInt8(1 << (rng.next() % 8)) } else { b[i] = UInt8(truncatingIfNeeded: rng.next()) }
                attempt(type, b)
            }
        }
        #expect(threw > 0)
        // Hostile lengths: a string claiming 2^62 bytes, a huge vector count, a JSON depth bomb.
        attempt(StoreRecordType.memoryDelete.rawValue, [1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x3F])
        attempt(StoreRecordType.batch.rawValue, [1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F])
        var bomb: [UInt8] = [1, 1, 65, 1, 65, 0, 0]  // memoryUpdate p="A" id="A" …
        bomb += [UInt8](repeating: 0, count: 8) + [1, 7, 1, 1, 65]
        bomb += [UInt8](repeating: 6, count: 10_000).flatMap { [$0, 1] }
        attempt(StoreRecordType.memoryUpdate.rawValue, bomb)
    }

    @Test func varintEdges() throws {
        for v: UInt64 in [0, 1, 127, 128, 16_383, 16_384, UInt64(UInt32.max), UInt64.max] {
            var w = ByteWriter()
            w.varint(v)
            try w.bytes.withUnsafeBytes { buf in
                var r = ByteReader(buf, what: "v")
                #expect(try r.varint() == v)
                try r.expectEnd()
            }
        }
        let overlong: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02]
        overlong.withUnsafeBytes { buf in
            var r = ByteReader(buf, what: "v")
            #expect(throws: AegisError.self) { try r.varint() }
        }
    }
}
