import AegisCore
import AegisLog
import AegisStorage
import ArgumentParser
import Foundation

/// Hidden: `aegis-memory debug-writer --data-dir D` writes mixed events under load forever
/// (or `--commits N`) and prints one line per acknowledged commit, flushed, so a crash test can
/// SIGKILL it at any moment and check that every acknowledged write survived:
///   `put <id>` · `del <id>` · `vote <memory-id> <vote-id>` · `upd <id> <n>` (metadata u = n)
///   `dep <id>` · `sess <session-id>` · `item <session-id> <item>` · `feat <feature-id>` · `pass <feature-id>`
///   `ckpt <lsn>` after a checkpoint; `try-del <id>` before a delete is committed (an
///   unacknowledged delete may still have become durable). Every id is prefixed with `--prefix` (one per run).
struct DebugWriterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "debug-writer", abstract: "Crash-test load generator.",
                                                    shouldDisplay: false)

    @Option(name: .long) var dataDir: String
    @Option(name: .long, help: "Id prefix for this run.") var prefix: String = "w"
    @Option(name: .long) var seed: UInt64 = 1
    @Option(name: .long, help: "Concurrent writer tasks.") var tasks: Int = 4
    @Option(name: .long, help: "Stop after this many commits (0 = run until killed).") var commits: Int = 0
    @Option(name: .long, help: "Checkpoint every N commits (0 = never).") var checkpointEvery: Int = 150
    @Option(name: .long) var fsync: String = "always"
    @Option(name: .long) var segmentSize: Int = 256 * 1024
    @Option(name: .long) var dimension: Int = 16

    func run() async throws {
        var options = StoreOptions(embeddingModel: "debug-writer", dimension: dimension)
        options.log.fsync = try FsyncPolicy(parsing: fsync)
        options.log.segmentSize = segmentSize
        options.collectIndexCatchUp = false
        let store = try await Store.open(directory: dataDir, options: options)
        let out = AckPrinter()
        out.line("ready \(store.lastLSN)")
        let counter = CommitCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                let worker = DebugWorker(store: store, out: out, counter: counter, prefix: "\(prefix)t\(t)-", seed: seed &+ UInt64(t) &* 7919,
                                         dimension: dimension, limit: commits, checkpointEvery: t == 0 ? checkpointEvery : 0)
                group.addTask { try await worker.run() }
            }
            try await group.waitForAll()
        }
        try await store.close()
    }
}

final class AckPrinter: @unchecked Sendable {
    private let lock = NSLock()
    func line(_ s: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write((s + "\n").data(using: .utf8)!)
    }
}

final class CommitCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    /// Takes one commit slot; false when the limit is reached.
    func take(limit: Int) -> Bool {
        lock.lock(); defer { lock.unlock() }
        if limit > 0 && n >= limit { return false }
        n += 1
        return true
    }
}

struct DebugWorker: Sendable {
    let store: Store
    let out: AckPrinter
    let counter: CommitCounter
    let prefix: String
    let seed: UInt64
    let dimension: Int
    let limit: Int
    let checkpointEvery: Int
    let project = "default-project"

    func run() async throws {
        var rng = SplitMix64(seed: seed)
        var live: [String] = []
        var sessions: [String] = []
        var features: [String] = []
        var updates: [String: Int] = [:]
        var n = 0
        func id() -> String { prefix + String(rng.next() % 1_000_000_000_000, radix: 36) + "-\(n)" }
        func vector() -> [Float] { (0..<dimension).map { _ in Float(Int(rng.next() % 2001) - 1000) / 1000 } }
        func memory() -> Memory {
            let text = "memory \(n) of \(prefix) " + String(repeating: "x", count: Int(rng.next() % 200))
            return Memory(id: id(), projectId: project, agentId: prefix, namespace: rng.next() % 2 == 0 ? "default" : "ns",
                          content: text, embedding: vector(), metadata: ["n": .int(Int64(n))], scope: .global,
                          createdAt: .now())
        }
        while counter.take(limit: limit) {
            n += 1
            let roll = rng.next() % 100
            if roll < 35 || live.isEmpty {
                let m = memory()
                try await store.commit([.memoryPut(m)])
                live.append(m.id)
                out.line("put \(m.id)")
            } else if roll < 42 {
                let ms = (0..<3).map { _ in memory() }
                try await store.commit(ms.map { .memoryPut($0) })
                live += ms.map(\.id)
                for m in ms { out.line("put \(m.id)") }
            } else if roll < 60 {
                let target = live[Int(rng.next() % UInt64(live.count))]
                let v = Vote(id: id(), memoryId: target, projectId: project, voterAgentId: prefix, vote: rng.next() % 2 == 0 ? .helpful : .harmful,
                             createdAt: .now())
                try await store.commit([.vote(v)])
                out.line("vote \(target) \(v.id)")
            } else if roll < 68 {
                let i = Int(rng.next() % UInt64(live.count))
                let target = live.remove(at: i)
                out.line("try-del \(target)")
                try await store.commit([.memoryDelete(projectId: project, id: target)])
                updates[target] = nil
                out.line("del \(target)")
            } else if roll < 74 {
                let target = live[Int(rng.next() % UInt64(live.count))]
                let u = (updates[target] ?? 0) + 1
                try await store.commit([.memoryUpdate(MemoryUpdate(projectId: project, id: target, updatedAt: .now(), metadataPatch: ["u": .int(Int64(u))]))])
                updates[target] = u
                out.line("upd \(target) \(u)")
            } else if roll < 78 {
                let target = live[Int(rng.next() % UInt64(live.count))]
                try await store.commit([.memoryDeprecate(MemoryDeprecation(projectId: project, id: target, at: .now(), deprecatedBy: prefix))])
                out.line("dep \(target)")
            } else if roll < 84 || sessions.isEmpty {
                let sid = id()
                try await store.commit([.sessionCreate(SessionProgress(id: Identifier.randomHex(), projectId: project, sessionId: sid, createdAt: .now()))])
                sessions.append(sid)
                out.line("sess \(sid)")
            } else if roll < 90 {
                let sid = sessions[Int(rng.next() % UInt64(sessions.count))]
                let item = "i\(n)"
                try await store.commit([.sessionPatch(SessionPatch(projectId: project, sessionId: sid, updatedAt: .now(), completedItems: [item]))])
                out.line("item \(sid) \(item)")
            } else if roll < 95 || features.isEmpty {
                let fid = id()
                try await store.commit([.featureCreate(FeatureRecord(id: Identifier.randomHex(), projectId: project, featureId: fid, description: "d", createdAt: .now()))])
                features.append(fid)
                out.line("feat \(fid)")
            } else {
                let fid = features[Int(rng.next() % UInt64(features.count))]
                try await store.commit([.featurePatch(FeaturePatch(projectId: project, namespace: "default", featureId: fid, updatedAt: .now(), passes: true))])
                out.line("pass \(fid)")
            }
            if checkpointEvery > 0, n % checkpointEvery == 0 {
                let info = try await store.checkpoint(indexSection: Array("index@\(store.lastLSN)".utf8))
                out.line("ckpt \(info.lsn)")
            }
        }
    }
}
