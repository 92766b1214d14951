import Testing
import AegisCore
@testable import AegisEngine

@Suite struct ScopeInferenceTests {
    @Test func neverInfersGlobalFromContentOrTags() {
        let (s1, _) = ScopeInference.infer(content: "Team deadline for the project is Friday, policy", metadata: [:],
                                           agentId: "a", sharedWithAgents: nil)
        #expect(s1 == .agentPrivate)
        let (s2, _) = ScopeInference.infer(content: "x", metadata: ["tags": .array([.string("team")])], agentId: "a", sharedWithAgents: nil)
        #expect(s2 == .agentPrivate)
        let (s3, _) = ScopeInference.infer(content: "x", metadata: ["tags": .string("GLOBAL")], agentId: nil, sharedWithAgents: nil)
        #expect(s3 == .agentPrivate)
    }

    @Test func legacyModeKeeps12Rules() {
        let (s1, r1) = ScopeInference.infer(content: "Team deadline for the project is Friday, policy", metadata: [:],
                                            agentId: "a", sharedWithAgents: nil, legacyGlobalInference: true)
        #expect(s1 == .global && r1 == .globalKeywords)
        let (s2, _) = ScopeInference.infer(content: "x", metadata: ["tags": .array([.string("team")])], agentId: "a",
                                           sharedWithAgents: nil, legacyGlobalInference: true)
        #expect(s2 == .global)
    }

    @Test func sharingListsGiveAgentShared() {
        #expect(ScopeInference.infer(content: "User prefers dark mode", metadata: [:], agentId: "x", sharedWithAgents: ["y"]).0 == .agentShared)
        #expect(ScopeInference.infer(content: "u", metadata: ["shared_with_agents": .array([.string("y")])], agentId: "x",
                                     sharedWithAgents: nil).0 == .agentShared)
        // Without an owner there is nobody to share from.
        #expect(ScopeInference.infer(content: "u", metadata: [:], agentId: nil, sharedWithAgents: ["y"]).0 == .agentPrivate)
    }

    @Test func privateSignalsWinOverSharing() {
        #expect(ScopeInference.infer(content: "my draft", metadata: ["tags": .string("private")], agentId: "x",
                                     sharedWithAgents: ["y"]).0 == .agentPrivate)
        #expect(ScopeInference.infer(content: "thinking about a draft", metadata: [:], agentId: "x",
                                     sharedWithAgents: ["y"]).0 == .agentPrivate)
    }

    @Test func wholeWordsAndOddTags() {
        // "systemic" does not contain the keyword "system"; a numeric tags value does not crash.
        #expect(ScopeInference.countKeywords(ScopeInference.globalKeywords, in: ScopeInference.wordSequence("systemic projection")) == 0)
        #expect(ScopeInference.countKeywords(ScopeInference.globalKeywords, in: ScopeInference.wordSequence("All agents: system")) == 2)
        #expect(ScopeInference.infer(content: "x", metadata: ["tags": .int(5)], agentId: "a", sharedWithAgents: nil).0 == .agentPrivate)
    }
}

@Suite struct AccessControlTests {
    @Test(arguments: [
        (Scope.global, "owner", [String](), Reader.anonymous, true),
        (.agentPrivate, "owner", [], .anonymous, false),
        (.agentShared, "owner", ["r"], .anonymous, false),
        (.global, "owner", [], .agent("r"), true),
        (.agentPrivate, "owner", [], .agent("r"), false),
        (.agentPrivate, "r", [], .agent("r"), true),
        (.agentShared, "owner", ["r"], .agent("r"), true),
        (.agentShared, "owner", ["s"], .agent("r"), false),
        (.agentShared, "r", [], .agent("r"), true),
        (.agentPrivate, "owner", ["r"], .agent("r"), false),   // sharing list ignored unless agent-shared
        (.agentPrivate, "owner", [], .unrestricted, true),
    ])
    func rule(scope: Scope, owner: String, shared: [String], reader: Reader, visible: Bool) {
        #expect(AccessControl.canRead(scope: scope, owner: owner, sharedWith: shared, reader: reader) == visible)
    }
}

@Suite struct SessionAndFeatureRuleTests {
    func session() -> SessionProgress { SessionProgress(id: "i", projectId: "p", sessionId: "s", createdAt: Timestamp(seconds: 1)) }

    @Test func completedItemsKeepOrderAndDedupe() {
        var s = session()
        SessionRules.apply(PatchSessionRequest(completedItems: ["c", "a"]), to: &s, now: Timestamp(seconds: 2))
        SessionRules.apply(PatchSessionRequest(completedItems: ["a", "b", "b"]), to: &s, now: Timestamp(seconds: 3))
        #expect(s.completedItems == ["c", "a", "b"])
        #expect(s.completedCount == 3)
        #expect(s.updatedAt == Timestamp(seconds: 3))
    }

    @Test func inProgressClearing() {
        var s = session()
        SessionRules.apply(PatchSessionRequest(inProgressItem: "x"), to: &s, now: Timestamp(seconds: 2))
        #expect(s.inProgressItem == "x")
        SessionRules.apply(PatchSessionRequest(completedItems: ["x"]), to: &s, now: Timestamp(seconds: 3))
        #expect(s.inProgressItem == nil)
        SessionRules.apply(PatchSessionRequest(inProgressItem: "y"), to: &s, now: Timestamp(seconds: 4))
        SessionRules.apply(PatchSessionRequest(inProgressItem: ""), to: &s, now: Timestamp(seconds: 5))
        #expect(s.inProgressItem == nil)
        // Completing x while starting z in the same patch keeps z.
        SessionRules.apply(PatchSessionRequest(completedItems: ["z"], inProgressItem: "z"), to: &s, now: Timestamp(seconds: 6))
        #expect(s.inProgressItem == "z")
    }

    @Test func progressNeverAbove100() {
        var s = session()
        SessionRules.apply(PatchSessionRequest(completedItems: ["a", "b", "c"], totalItems: 2), to: &s, now: Timestamp(seconds: 2))
        #expect(SessionRules.reportedTotal(s) == 3)
        #expect(SessionRules.progressPercent(s) == 100)
        SessionRules.apply(PatchSessionRequest(totalItems: 9), to: &s, now: Timestamp(seconds: 3))
        #expect(SessionRules.progressPercent(s) == 33.3)
        var empty = session()
        SessionRules.apply(PatchSessionRequest(), to: &empty, now: Timestamp(seconds: 2))
        #expect(SessionRules.progressPercent(empty) == 0)
    }

    func feature() -> FeatureRecord { FeatureRecord(id: "i", projectId: "p", featureId: "f", description: "d", createdAt: Timestamp(seconds: 1)) }

    @Test func statusAndPassesStayConsistent() {
        var f = feature()
        FeatureRules.apply(PatchFeatureRequest(passes: true), to: &f, now: Timestamp(seconds: 5))
        #expect(f.status == .complete && f.passes && f.completedAt == Timestamp(seconds: 5))
        FeatureRules.apply(PatchFeatureRequest(passes: false), to: &f, now: Timestamp(seconds: 6))
        #expect(f.status == .failed && !f.passes && f.completedAt == nil)
        FeatureRules.apply(PatchFeatureRequest(status: "complete"), to: &f, now: Timestamp(seconds: 7))
        #expect(f.passes && f.completedAt == Timestamp(seconds: 7))
        FeatureRules.apply(PatchFeatureRequest(status: "testing"), to: &f, now: Timestamp(seconds: 8))
        #expect(!f.passes && f.completedAt == nil)
        #expect(FeatureRules.contradiction(PatchFeatureRequest(status: "failed", passes: true)) != nil)
        #expect(FeatureRules.contradiction(PatchFeatureRequest(status: "complete", passes: true)) == nil)
    }

    @Test func pythonRounding() {
        #expect(pythonRound(2.675, digits: 2) == 2.67)
        #expect(pythonRound(0.125, digits: 2) == 0.12)
        #expect(pythonRound(33.33333, digits: 1) == 33.3)
        #expect(pythonRound(4.0 / 7.0, digits: 4) == 0.5714)
    }

    @Test func effectiveness() {
        #expect(Memory.effectiveness(helpful: 1, harmful: 0) == 0.5)
        #expect(Memory.effectiveness(helpful: 1, harmful: 1) == 0)
        #expect(Memory.effectiveness(helpful: 5, harmful: 1) == 4.0 / 7.0)
        #expect(Memory.effectiveness(helpful: 0, harmful: 0) == 0)
    }
}
