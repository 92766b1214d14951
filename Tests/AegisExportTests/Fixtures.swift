import AegisCore
@testable import AegisExport

/// Deterministic test data: memories exercising every field and every awkward character.
enum Fixtures {
    struct RNG: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let nastyStrings = [
        "plain", "tab\there", "new\nline", "carriage\rreturn", "back\\slash", "\\.", "quote\"s", "comma, and \"quotes\"",
        "unicode é ñ 中文 😀 \u{1F469}\u{200D}\u{1F4BB}", "json {\"a\": [1, 2]}", "\\N", "trailing space ", " ", "\u{0B}vt\u{0C}ff\u{08}bs",
        "emoji at end 🎉", "line1\r\nline2", "",
    ]

    static func unitVector(_ dim: Int, _ rng: inout RNG) -> [Float] {
        var v = (0..<dim).map { _ in Float.random(in: -1...1, using: &rng) }
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        for i in v.indices { v[i] /= n }
        return v
    }

    /// `count` memories over two projects, with every optional set on some of them.
    static func memories(count: Int, dim: Int, seed: UInt64 = 42) -> [Memory] {
        var rng = RNG(state: seed)
        let base = Timestamp(iso8601: "2026-01-15T10:30:00Z")!.microseconds
        return (0..<count).map { i in
            let nasty = nastyStrings[i % nastyStrings.count]
            var meta: JSONObject = ["i": .int(Int64(i)), "tag": .string(nasty.isEmpty ? "x" : nasty)]
            if i % 3 == 0 { meta["nested"] = .object(["z": .double(0.5), "a": .array([.null, .bool(true), .int(-7)])]) }
            if i % 5 == 0 { meta["nul"] = .string("has\u{0}nul") }
            let content = i % nastyStrings.count == nastyStrings.count - 1 ? "memory \(i)" : "memory \(i): \(nasty)"
            return Memory(
                id: Identifier.uuid4Hex(), projectId: i % 4 == 3 ? "other-project" : "default-project",
                userId: i % 2 == 0 ? "user-\(i % 7)" : nil, agentId: i % 6 == 5 ? nil : "agent-\(i % 3)",
                namespace: i % 2 == 0 ? "default" : "production", memoryType: [.standard, .reflection, .strategy][i % 3],
                content: content, embedding: unitVector(dim, &rng), metadata: meta,
                scope: [.agentPrivate, .agentShared, .global][i % 3],
                sharedWithAgents: i % 3 == 1 ? ["agent-1", "agent-2"] : [],
                derivedFromAgents: i % 4 == 0 ? ["agent-0"] : [],
                coordinationMetadata: i % 4 == 0 ? ["handoff": .string("x\ty")] : [:],
                createdAt: Timestamp(microseconds: base + Int64(i) * 1_000_123),
                updatedAt: Timestamp(microseconds: base + Int64(i) * 1_000_123 + (i % 2 == 0 ? 0 : 500_000)),
                expiresAt: i % 5 == 1 ? Timestamp(seconds: 1_900_000_000 + Int64(i)) : nil,
                bulletHelpful: Int64(i % 4), bulletHarmful: Int64(i % 2),
                isDeprecated: i % 7 == 3, deprecatedAt: i % 7 == 3 ? Timestamp(microseconds: base + 99) : nil,
                deprecatedBy: i % 7 == 3 ? "agent-9" : nil, supersededBy: i % 7 == 3 ? Identifier.uuid4Hex() : nil,
                sourceTrajectoryId: i % 3 == 1 ? "traj-\(i)" : nil, errorPattern: i % 3 == 1 ? "pattern \(i)" : nil)
        }
    }
}

extension Fixtures {
    static func votes(for ms: [Memory]) -> [Vote] {
        ms.enumerated().filter { $0.offset % 3 == 0 }.map { (i, m) in
            Vote(id: Identifier.randomHex(), memoryId: m.id, projectId: m.projectId, voterAgentId: "voter-\(i % 4)",
                 vote: i % 2 == 0 ? .helpful : .harmful, context: i % 4 == 0 ? "ctx\twith\ttabs\nand lines \\" : nil,
                 taskId: i % 5 == 0 ? "task-\(i)" : nil, createdAt: m.createdAt.adding(seconds: 5))
        }
    }

    static func sessions(count: Int) -> [SessionProgress] {
        var out: [SessionProgress] = []
        for i in 0..<count {
            let blocked: JSONObject = ["item": .string("x"), "reason": .string("waiting\\on")]
            let status: SessionStatus = i % 3 == 0 ? .completed : .active
            let created = Timestamp(seconds: 1_800_000_000 + Int64(i))
            var s = SessionProgress(id: Identifier.randomHex(), projectId: "default-project", sessionId: "session-\(i)", createdAt: created)
            s.agentId = i % 2 == 0 ? "agent-0" : nil
            s.namespace = i % 2 == 0 ? "default" : "prod"
            s.completedItems = ["a", "b \"q\""]
            s.inProgressItem = i % 2 == 0 ? "c\nd" : nil
            s.nextItems = ["é"]
            s.blockedItems = [blocked]
            s.status = status
            s.summary = "sum \(i)"
            s.totalItems = 5
            s.completedCount = 2
            out.append(s)
        }
        return out
    }

    static func features(count: Int) -> [FeatureRecord] {
        var out: [FeatureRecord] = []
        for i in 0..<count {
            let even = i % 2 == 0
            var f = FeatureRecord(id: Identifier.randomHex(), projectId: "default-project", featureId: "feature-\(i)",
                                  description: "Feature \(i)\twith tab", createdAt: Timestamp(seconds: 1_800_000_100 + Int64(i)))
            f.sessionId = even ? "session-0" : nil
            f.category = even ? "api" : nil
            f.testSteps = ["step 1", "step 2"]
            f.status = even ? .complete : .inProgress
            f.passes = even
            f.implementedBy = "agent-1"
            f.verifiedBy = even ? "qa" : nil
            f.completedAt = even ? Timestamp(microseconds: 1_800_000_200_123_456) : nil
            out.append(f)
        }
        return out
    }

    /// Exact cosine top-k (the oracle), ties broken by id.
    static func exactTopK(_ q: [Float], _ ms: [Memory], k: Int) -> [String] {
        func dist(_ a: [Float], _ b: [Float]) -> Double {
            var d = 0.0, na = 0.0, nb = 0.0
            for i in a.indices { d += Double(a[i]) * Double(b[i]); na += Double(a[i]) * Double(a[i]); nb += Double(b[i]) * Double(b[i]) }
            return 1 - d / (na.squareRoot() * nb.squareRoot())
        }
        return ms.map { ($0.id, dist(q, $0.embedding)) }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(k).map(\.0)
    }
}
