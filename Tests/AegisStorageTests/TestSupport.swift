import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct TempDir {
    let path: String
    init(_ name: String = "store") {
        path = NSTemporaryDirectory() + "aegis-\(name)-\(UInt64.random(in: 0...UInt64.max))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

let testProject = "default-project"

/// Deterministic test data.
struct Fixture {
    var rng: SplitMix64
    let dimension: Int
    var clock: Int64 = 1_700_000_000_000_000

    init(seed: UInt64 = 1, dimension: Int = 8) {
        rng = SplitMix64(seed: seed)
        self.dimension = dimension
    }

    mutating func next() -> UInt64 { rng.next() }
    mutating func tick() -> Timestamp { clock += 1_000 + Int64(next() % 1_000); return Timestamp(microseconds: clock) }
    mutating func id() -> String { Hex.encode((0..<16).map { _ in UInt8(truncatingIfNeeded: next()) }) }

    mutating func vector() -> [Float] {
        (0..<dimension).map { _ in Float(Int(next() % 2001) - 1000) / 1000 }
    }

    mutating func memory(project: String = testProject, agent: String? = nil, namespace: String = "default",
                         content: String? = nil) -> Memory {
        let text = content ?? "memory \(next() % 1_000_000) about \(["deploys", "the team", "a draft", "tests"][Int(next() % 4)])"
        let at = tick()
        var meta: JSONObject = ["n": .int(Int64(next() % 100)), "tags": .array([.string("x"), .double(1.0)])]
        if next() % 3 == 0 { meta["nested"] = .object(["a": .null, "b": .bool(true)]) }
        return Memory(id: id(), projectId: project, userId: next() % 2 == 0 ? "user-1" : nil, agentId: agent,
                      namespace: namespace, memoryType: next() % 5 == 0 ? .reflection : .standard, content: text,
                      embedding: vector(), metadata: meta, scope: [Scope.agentPrivate, .agentShared, .global][Int(next() % 3)],
                      sharedWithAgents: next() % 4 == 0 ? ["b", "c"] : [], createdAt: at,
                      expiresAt: next() % 7 == 0 ? at.adding(seconds: 60) : nil)
    }
}

func storeOptions(io: any FileIO = PosixFileIO(), dimension: Int = 8, fsync: FsyncPolicy = .always,
                  segmentSize: Int = 1 << 20) -> StoreOptions {
    var o = StoreOptions(io: io, embeddingModel: "test-model", dimension: dimension)
    o.log.fsync = fsync
    o.log.segmentSize = segmentSize
    return o
}

/// A canonical, order-independent dump of everything in a store (for equivalence checks).
func dump(_ store: Store) -> [String] { store.read { dumpView($0) } }

func dump(_ state: StoreState) -> [String] { dumpView(StoreView(state: state)) }

func dumpView(_ v: StoreView) -> [String] {
    var out: [String] = ["model=\(v.embeddingModel ?? "-") dim=\(v.dimension)"]
    for p in v.projectIds {
        var mems: [String] = []
        v.forEachMemory(project: p) { row in
            mems.append("M \(p) \(row.memory(embedding: v.embedding(of: row)))")
            return true
        }
        out += mems.sorted()
        var votes: [String] = []
        v.forEachVote(project: p) { votes.append("V \(p) \($0)") }
        out += votes.sorted()
        out += v.sessions(project: p).map { "S \(p) \($0)" }
        out += v.features(project: p).map { "F \(p) \($0)" }
    }
    return out
}

/// Random valid commits against a view of the state they will apply to.
struct EventGenerator {
    var fx: Fixture
    init(seed: UInt64, dimension: Int = 8) { fx = Fixture(seed: seed, dimension: dimension) }

    mutating func next(_ v: StoreView) -> [StoreEvent] {
        var ids: [String] = []
        v.forEachMemory(project: testProject) { ids.append($0.id); return true }
        ids.sort()
        let sessions = v.sessions(project: testProject).map(\.sessionId)
        let features = v.features(project: testProject).map(\.featureId)
        func pick(_ a: [String]) -> String { a[Int(fx.next() % UInt64(a.count))] }
        let t = fx.tick()
        let roll = fx.next() % 100
        if roll < 35 || ids.isEmpty {
            return (0..<(1 + Int(fx.next() % 3))).map { _ in .memoryPut(fx.memory(agent: "a\(fx.next() % 3)")) }
        } else if roll < 50 {
            return [.vote(Vote(id: fx.id(), memoryId: pick(ids), projectId: testProject, voterAgentId: "v",
                               vote: fx.next() % 2 == 0 ? .helpful : .harmful, createdAt: t))]
        } else if roll < 60 {
            return [.memoryDelete(projectId: testProject, id: pick(ids))]
        } else if roll < 68 {
            return [.memoryUpdate(MemoryUpdate(projectId: testProject, id: pick(ids), updatedAt: t,
                                               metadataPatch: ["u": .int(Int64(fx.next() % 1000))],
                                               embedding: fx.next() % 4 == 0 ? fx.vector() : nil))]
        } else if roll < 74 {
            return [.memoryDeprecate(MemoryDeprecation(projectId: testProject, id: pick(ids), at: t, deprecatedBy: "d",
                                                       supersededBy: nil, reason: fx.next() % 2 == 0 ? "r" : nil))]
        } else if roll < 80 || sessions.isEmpty {
            return [.sessionCreate(SessionProgress(id: fx.id(), projectId: testProject, sessionId: fx.id(), createdAt: t))]
        } else if roll < 88 {
            return [.sessionPatch(SessionPatch(projectId: testProject, sessionId: pick(sessions), updatedAt: t,
                                               completedItems: ["i\(fx.next() % 5)"], status: .paused))]
        } else if roll < 94 || features.isEmpty {
            return [.featureCreate(FeatureRecord(id: fx.id(), projectId: testProject, featureId: fx.id(), description: "d", createdAt: t))]
        } else {
            return [.featurePatch(FeaturePatch(projectId: testProject, namespace: "default", featureId: pick(features), updatedAt: t,
                                               passes: true, completedAt: .some(t)))]
        }
    }
}
