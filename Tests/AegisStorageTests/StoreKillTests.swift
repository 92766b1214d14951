import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation
import Testing

/// R1: a child process (`aegis-memory debug-writer`) writes mixed events under load and is
/// SIGKILLed at random moments; after each restart every acknowledged write is present and
/// `verify` passes. 100 rounds in `make test`, 1,000 with AEGIS_TORTURE=1.
@Suite struct StoreKillTests {
    static var binary: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = testBinary.deletingLastPathComponent()
        // …/debug/aegis-memoryPackageTests.xctest (a file on Linux, a bundle on macOS)
        while !FileManager.default.fileExists(atPath: dir.appendingPathComponent("aegis-memory").path), dir.path != "/" {
            dir = dir.deletingLastPathComponent()
        }
        return dir.appendingPathComponent("aegis-memory").path
    }

    /// What the acknowledged history requires of the store.
    struct Model {
        var puts: Set<String> = []
        var deleted: Set<String> = []
        var triedDelete: Set<String> = []
        var votes: [(String, String)] = []
        var updates: [String: Int] = [:]
        var deprecated: Set<String> = []
        var sessions: Set<String> = []
        var items: [(String, String)] = []
        var features: Set<String> = []
        var passed: Set<String> = []
        var acks = 0

        mutating func absorb(_ line: Substring) {
            let f = line.split(separator: " ").map(String.init)
            guard let op = f.first else { return }
            switch (op, f.count) {
            case ("put", 2): puts.insert(f[1]); acks += 1
            case ("del", 2): deleted.insert(f[1]); acks += 1
            case ("try-del", 2): triedDelete.insert(f[1])
            case ("vote", 3): votes.append((f[1], f[2])); acks += 1
            case ("upd", 3): updates[f[1]] = max(updates[f[1]] ?? 0, Int(f[2])!); acks += 1
            case ("dep", 2): deprecated.insert(f[1]); acks += 1
            case ("sess", 2): sessions.insert(f[1]); acks += 1
            case ("item", 3): items.append((f[1], f[2])); acks += 1
            case ("feat", 2): features.insert(f[1]); acks += 1
            case ("pass", 2): passed.insert(f[1]); acks += 1
            default: break
            }
        }

        /// Problems found in `v` (empty = every acknowledged write is there).
        func check(_ v: StoreView) -> [String] {
            var bad: [String] = []
            let p = "default-project"
            func gone(_ id: String) -> Bool { deleted.contains(id) || triedDelete.contains(id) }
            for id in puts where v.memoryRow(project: p, id: id) == nil && !gone(id) { bad.append("acked put \(id) missing") }
            for id in deleted where v.memoryRow(project: p, id: id) != nil { bad.append("acked delete \(id) still present") }
            for (m, vote) in votes where !gone(m) && !v.votes(project: p, memoryId: m).contains(where: { $0.id == vote }) {
                bad.append("acked vote \(vote) on \(m) missing")
            }
            for (id, n) in updates where !gone(id) {
                guard case .int(let u)? = v.memoryRow(project: p, id: id)?.metadata["u"], u >= n else { bad.append("acked update \(id) u=\(n) missing"); continue }
            }
            for id in deprecated where !gone(id) && v.memoryRow(project: p, id: id)?.isDeprecated != true { bad.append("acked deprecate \(id) missing") }
            for s in sessions where v.session(project: p, sessionId: s) == nil { bad.append("acked session \(s) missing") }
            for (s, i) in items where v.session(project: p, sessionId: s)?.completedItems.contains(i) != true { bad.append("acked item \(i) of \(s) missing") }
            for fid in features where v.feature(project: p, namespace: "default", featureId: fid) == nil { bad.append("acked feature \(fid) missing") }
            for fid in passed where v.feature(project: p, namespace: "default", featureId: fid)?.passes != true { bad.append("acked pass \(fid) missing") }
            return bad
        }
    }

    /// Collects a child's stdout lines on a background thread.
    final class LineCollector: @unchecked Sendable {
        private let lock = NSLock()
        private var buffer: [UInt8] = []
        private var done = false
        private let ready = DispatchSemaphore(value: 0)
        private var signalled = false

        init(_ handle: FileHandle) {
            Thread.detachNewThread { [self] in
                while true {
                    let d = handle.availableData
                    lock.lock()
                    if d.isEmpty { done = true; lock.unlock(); break }
                    buffer.append(contentsOf: d)
                    let hasLine = buffer.contains(10)
                    let fire = hasLine && !signalled
                    if fire { signalled = true }
                    lock.unlock()
                    if fire { ready.signal() }
                }
                lock.lock(); let fire = !signalled; signalled = true; lock.unlock()
                if fire { ready.signal() }
            }
        }
        func waitFirstLine(timeout: Double) -> Bool { ready.wait(timeout: .now() + timeout) == .success }
        /// Complete lines after EOF.
        func finish() -> [Substring] {
            while true {
                lock.lock(); let d = done; lock.unlock()
                if d { break }
                usleep(1000)
            }
            lock.lock(); defer { lock.unlock() }
            let text = String(decoding: buffer, as: UTF8.self)
            guard let last = text.lastIndex(of: "\n") else { return [] }
            return text[..<last].split(separator: "\n")
        }
    }

    @Test func sigkillUnderLoadLosesNoAcknowledgedWrite() async throws {
        let rounds = ProcessInfo.processInfo.environment["AEGIS_TORTURE"] == "1" ? 1_000 : 100
        let binary = StoreKillTests.binary
        #expect(FileManager.default.isExecutableFile(atPath: binary), "aegis-memory binary not found next to the test binary: \(binary) (run `swift build --build-tests`)")
        guard FileManager.default.isExecutableFile(atPath: binary) else { return }
        let dir = TempDir("kill"); defer { dir.cleanup() }
        var model = Model()
        var rng = SplitMix64(seed: UInt64(Date().timeIntervalSince1970))
        var recoveryMicros: [Int64] = []
        for round in 0..<rounds {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = ["debug-writer", "--data-dir", dir.path, "--prefix", "r\(round)", "--seed", String(rng.next() % 1_000_000),
                           "--tasks", String(1 + rng.next() % 4), "--checkpoint-every", String(20 + rng.next() % 100)]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            try p.run()
            let lines = LineCollector(pipe.fileHandleForReading)
            _ = lines.waitFirstLine(timeout: 30)
            usleep(UInt32(rng.next() % 60_000))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            var sawReady = false
            for l in lines.finish() {
                if l.hasPrefix("ready") { sawReady = true }
                model.absorb(l)
            }
            #expect(sawReady, "round \(round): writer never got ready")

            var o = StoreOptions(embeddingModel: "debug-writer", dimension: 16)
            o.log.segmentSize = 256 * 1024
            o.collectIndexCatchUp = false
            let store = try await Store.open(directory: dir.path, options: o)
            recoveryMicros.append(store.openReport.durationMicros)
            let problems = store.read { model.check($0) }
            #expect(problems.isEmpty, "round \(round): \(problems.prefix(5))")
            try await store.close()
            let verify = StoreVerifier.verify(directory: dir.path)
            #expect(verify.isHealthy, "round \(round): verify: \(verify.problems)")
            if !problems.isEmpty || !verify.isHealthy { break }
        }
        recoveryMicros.sort()
        print("kill test: \(rounds) rounds, \(model.acks) acknowledged commits checked; recovery p50 \(recoveryMicros[recoveryMicros.count / 2]) µs, p99 \(recoveryMicros[recoveryMicros.count * 99 / 100]) µs")
        #expect(model.acks > rounds)
    }
}
