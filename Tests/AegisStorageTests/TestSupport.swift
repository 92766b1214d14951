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
func dump(_ store: Store) -> [String] {
    store.read { v in
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
}
