import Testing
import AegisCore
@testable import AegisEngine

/// One write path, one semantics: seeded random operation sequences (add, add_batch with
/// duplicates, reflections, delta add/update/deprecate, votes, deletes, sessions, features, imports, TTL
/// expiry and sweeps, restarts) run through an engine on `InMemoryBackend` and one on the
/// durable store; after every operation both answer alike and every table — memories with every
/// field and their vectors, votes, sessions, features — is equal.
@Suite struct BackendDifferentialTests {
    @Test(arguments: [1, 2, 3, 4, 5, 6] as [UInt64])
    func sameOperationsSameTables(seed: UInt64) async throws {
        let twin = try await EngineTwin(name: "differential-\(seed)")
        var ops = OperationSource(seed: seed)
        var log: [String] = []
        for step in 0..<80 {
            let name = try await ops.step(twin)
            log.append(name)
            let problems = twin.differences() + ops.problems
            guard problems.isEmpty else {
                let detail = problems.prefix(12).joined(separator: "\n")
                Issue.record("seed \(seed), step \(step) (\(name)); history \(log.suffix(8)):\n\(detail)")
                break
            }
        }
        await twin.close()
    }
}

/// Draws operations from a seeded generator and applies them to both engines of a twin.
/// Contents, agents and namespaces come from small pools, so duplicates, votes on deleted
/// memories and expiries happen often.
struct OperationSource {
    var rng: SplitMix
    /// In-memory ids of memories the operations may target (deleted ones stay: targeting them
    /// must fail alike).
    var known: [String] = []
    var problems: [String] = []

    init(seed: UInt64) { rng = SplitMix(seed: seed) }

    static let contents = ["dark mode preferred", "use tabs not spaces", "deploy on fridays is risky",
                           "cache invalidation is hard", "prefer small commits", "write the test first",
                           "the api key rotates monthly", "team standup at nine"]
    static let agents: [String?] = [nil, "agent-a", "agent-b"]
    static let namespaces = ["default", "ns-two"]
    static let sessions = ["s1", "s2"]
    static let features = ["f1", "f2", "f3"]
    static let items = ["i1", "i2", "i3", "i4", "i5"]

    mutating func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    mutating func chance(_ percent: Int) -> Bool { int(100) < percent }
    mutating func pick<T>(_ a: [T]) -> T { a[int(a.count)] }
    mutating func target() -> String { known.isEmpty || chance(10) ? Identifier.uuid4Hex() : pick(known) }

    mutating func addRequest() -> AddMemoryRequest {
        AddMemoryRequest(content: pick(Self.contents), userId: chance(20) ? "user-1" : nil, agentId: pick(Self.agents),
                         namespace: pick(Self.namespaces), metadata: chance(30) ? ["k": .int(Int64(int(3)))] : nil,
                         ttlSeconds: chance(25) ? 1 + int(4) : nil, scope: chance(30) ? pick(["agent-private", "global"]) : nil)
    }

    /// Applies one random operation to both engines; returns its name. Outcomes that differ are
    /// appended to `problems`.
    mutating func step(_ twin: EngineTwin) async throws -> String {
        twin.clock.advance(micros: Int64(1 + int(1_500_000)))
        switch int(100) {
        case 0..<4:
            let req = ReflectionRequest(content: pick(Self.contents), agentId: pick(["agent-a", "agent-b"]),
                                        errorPattern: chance(50) ? "pattern \(int(3))" : nil, correctApproach: chance(50) ? "do it right" : nil)
            let (m, d) = await twin.both { e, _ in try await e.reflection(project: P, req) }
            compare("reflection", m, d) { a, b in
                twin.ids[a.id] = b.id
                return a.scope == b.scope ? nil : "scope \(a.scope) vs \(b.scope)"
            }
            if let v = m.value { known.append(v.id) }
            return "reflection"
        case 4..<18:
            let req = addRequest()
            let (m, d) = await twin.both { e, _ in try await e.add(project: P, req) }
            compare("add", m, d) { twin.record($0, $1) }
            if let v = m.value, v.dedupedFrom == nil { known.append(v.id) }
            return "add"
        case 18..<30:
            var items = (0..<(1 + int(5))).map { _ in addRequest() }
            if chance(50), let first = items.first { items.append(first) }
            let req = AddBatchRequest(items: items)
            let (m, d) = await twin.both { e, _ in try await e.addBatch(project: P, req).results }
            compare("add_batch", m, d) { a, b in
                zip(a, b).compactMap { twin.record($0, $1) }.first
            }
            for r in m.value ?? [] where r.dedupedFrom == nil { known.append(r.id) }
            return "add_batch"
        case 30..<44:
            return await delta(twin)
        case 44..<56:
            let id = target()
            let req = VoteRequest(vote: pick(["helpful", "harmful"]), voterAgentId: pick(["agent-a", "agent-c"]),
                                  context: chance(50) ? "ctx" : nil)
            let (m, d) = await twin.both { e, map in try await e.vote(project: P, memoryId: map(id), req) }
            compare("vote", m, d) { a, b in
                (a.bulletHelpful, a.bulletHarmful) == (b.bulletHelpful, b.bulletHarmful) ? nil : "counters \(a) vs \(b)"
            }
            return "vote"
        case 56..<62:
            let id = target()
            let (m, d) = await twin.both { e, map in try await e.delete(project: P, id: map(id)) }
            compare("delete", m, d) { _, _ in nil }
            return "delete"
        case 62..<72:
            return await session(twin)
        case 72..<82:
            return await feature(twin)
        case 82..<88:
            return await importRows(twin)
        case 88..<94:
            twin.clock.advance(seconds: Int64(1 + int(4)))
            let (m, d) = await twin.both { e, _ in try await e.sweepExpired() }
            compare("sweep", m, d) { $0 == $1 ? nil : "removed \($0) vs \($1)" }
            return "ttl sweep"
        default:
            try await twin.restart()
            return "restart"
        }
    }

    mutating func delta(_ twin: EngineTwin) async -> String {
        var ops: [DeltaOperation] = []
        // Adds of one delta get distinct contents: delta adds do not dedup, and two equal live
        // memories created at the same instant would tie in dedup on their (engine-minted) ids.
        var contents = Self.contents
        for _ in 0..<(1 + int(3)) {
            switch int(3) {
            case 0:
                ops.append(DeltaOperation(type: "add", content: contents.remove(at: int(contents.count)), memoryType: pick(["standard", "strategy"]),
                                          agentId: pick(Self.agents), ttlSeconds: chance(20) ? 2 : nil))
            case 1:
                ops.append(DeltaOperation(type: "update", memoryId: target(), metadataPatch: ["step": .int(Int64(int(100))), "tag": .string(pick(["x", "y"]))]))
            default:
                let superseded = known.isEmpty || chance(50) ? nil : pick(known)
                ops.append(DeltaOperation(type: "deprecate", agentId: pick(Self.agents), memoryId: target(),
                                          supersededBy: superseded, deprecationReason: chance(60) ? "outdated" : nil))
            }
        }
        let req = DeltaRequest(operations: ops)
        let (m, d) = await twin.both { e, map in
            var r = req
            for i in r.operations.indices {
                r.operations[i].memoryId = r.operations[i].memoryId.map(map)
                r.operations[i].supersededBy = r.operations[i].supersededBy.map(map)
            }
            return try await e.delta(project: P, r).results
        }
        compare("delta", m, d) { a, b in
            guard a.map(\.success) == b.map(\.success) else { return "success \(a) vs \(b)" }
            for (x, y) in zip(a, b) where x.operation == "add" && x.success {
                if let i = x.memoryId, let j = y.memoryId { twin.ids[i] = j }
            }
            return nil
        }
        for (op, r) in zip(ops, m.value ?? []) where op.type == "add" && r.success { known.append(r.memoryId!) }
        return "delta \(ops.map(\.type))"
    }

    mutating func session(_ twin: EngineTwin) async -> String {
        let sid = pick(Self.sessions)
        if chance(35) {
            let req = CreateSessionRequest(sessionId: sid, agentId: pick(Self.agents), namespace: pick(Self.namespaces))
            let (m, d) = await twin.both { e, _ in try await e.createSession(project: P, req) }
            compare("create session", m, d) { _, _ in nil }
            return "create session"
        }
        let done = (0..<int(3)).map { _ in pick(Self.items) }
        let req = PatchSessionRequest(completedItems: chance(70) ? done : nil,
                                      inProgressItem: chance(40) ? pick(Self.items + [""]) : nil,
                                      nextItems: chance(30) ? [pick(Self.items)] : nil,
                                      blockedItems: chance(20) ? [["item": .string(pick(Self.items)), "reason": .string("waiting")]] : nil,
                                      summary: chance(30) ? "summary \(int(9))" : nil, lastAction: chance(30) ? "did \(int(9))" : nil,
                                      status: chance(30) ? pick(["active", "paused", "completed"]) : nil,
                                      totalItems: chance(30) ? int(8) : nil)
        let (m, d) = await twin.both { e, _ in try await e.patchSession(project: P, sessionId: sid, req) }
        compare("patch session", m, d) { _, _ in nil }
        return "patch session"
    }

    mutating func feature(_ twin: EngineTwin) async -> String {
        let fid = pick(Self.features), ns = pick(Self.namespaces)
        if chance(35) {
            let req = CreateFeatureRequest(featureId: fid, description: "feature \(fid)", sessionId: chance(50) ? pick(Self.sessions) : nil,
                                           namespace: ns, category: chance(50) ? "ui" : nil, testSteps: chance(50) ? ["step one"] : nil)
            let (m, d) = await twin.both { e, _ in try await e.createFeature(project: P, req) }
            compare("create feature", m, d) { _, _ in nil }
            return "create feature"
        }
        var req = PatchFeatureRequest(implementedBy: chance(40) ? pick(["agent-a", "agent-b"]) : nil,
                                      verifiedBy: chance(20) ? "agent-c" : nil,
                                      implementationNotes: chance(30) ? "notes \(int(9))" : nil,
                                      failureReason: chance(20) ? "broke" : nil)
        switch int(3) {
        case 0: req.status = pick(["in_progress", "complete", "failed", "not_started"])
        case 1: req.passes = chance(50)
        default: break
        }
        let (m, d) = await twin.both { e, _ in try await e.patchFeature(project: P, featureId: fid, namespace: ns, req) }
        compare("patch feature", m, d) { _, _ in nil }
        return "patch feature"
    }

    /// Migration import: memories with explicit ids, stored counters and deprecation, then vote
    /// rows for known memories (the import restores each memory's `updated_at` after its votes).
    mutating func importRows(_ twin: EngineTwin) async -> String {
        if chance(50) {
            var records: [ImportRecord] = []
            for _ in 0..<(1 + int(3)) {
                var r = ImportRecord(content: pick(Self.contents) + " imported", namespace: pick(Self.namespaces))
                r.id = String(format: "%016llx%016llx", rng.next(), rng.next())
                r.agentId = pick(Self.agents)
                r.createdAt = twin.clock.now.adding(seconds: -Int64(int(1000)))
                r.bulletHelpful = int(3)
                r.metadata = ["source": .string("import")]
                if chance(30) { r.isDeprecated = true; r.deprecatedAt = r.createdAt; r.deprecatedBy = "agent-a" }
                if chance(20) { r.expiresAt = twin.clock.now.adding(seconds: Int64(1 + int(5))) }
                records.append(r)
            }
            let (m, d) = await twin.both { e, _ in try await e.importMemories(project: P, records) }
            compare("import memories", m, d) { a, b in
                for (x, y) in zip(a, b) {
                    switch (x, y) {
                    case (.imported(let i), .imported(let j)) where i == j: twin.ids[i] = j
                    case (.skipped(let i), .skipped(let j)) where twin.durableId(i) == j: continue
                    case (.failed, .failed): continue
                    default: return "import outcome \(x) vs \(y)"
                    }
                }
                return nil
            }
            for case .imported(let id) in m.value ?? [] { known.append(id) }
            return "import memories"
        }
        let votes = (0..<(1 + int(3))).map { _ in
            Vote(id: Identifier.uuid4Hex(), memoryId: target(), projectId: P, voterAgentId: "importer",
                 vote: chance(70) ? .helpful : .harmful, createdAt: twin.clock.now.adding(seconds: -Int64(int(100))))
        }
        let (m, d) = await twin.both { e, map in
            try await e.importVotes(project: P, votes.map { v in var v = v; v.memoryId = map(v.memoryId); return v })
        }
        compare("import votes", m, d) { a, b in
            zip(a, b).allSatisfy { x, y in
                if case .imported = x, case .imported = y { return true }
                if case .failed = x, case .failed = y { return true }
                return false
            } ? nil : "import outcomes \(a) vs \(b)"
        }
        return "import votes"
    }

    /// Both engines must end alike: the same error code, or values `same` accepts (nil = alike).
    mutating func compare<T>(_ what: String, _ m: EngineTwin.Outcome<T>, _ d: EngineTwin.Outcome<T>, _ same: (T, T) -> String?) {
        switch (m, d) {
        case (.value(let a), .value(let b)):
            if let p = same(a, b) { problems.append("\(what): \(p)") }
        case (.failure(let a), .failure(let b)) where a == b:
            return
        default:
            problems.append("\(what): in-memory \(m), durable \(d)")
        }
    }
}
