import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation
import Testing

/// R3 + R26 at the store level: commits and checkpoints on `FaultInjectingFileIO`, a fault
/// injected at a random write / fsync / rename / directory fsync (mid-commit or mid-snapshot)
/// or none, then a simulated power loss (unsynced bytes dropped, kept in part or garbled;
/// un-dir-fsynced entries lost). After each recovery: with `always` no acknowledged commit is
/// lost, the state equals a never-crashed twin fed the same history up to the recovered LSN,
/// and `verify` passes. Several crashes per round, on the same disk.
@Suite struct StorePowerLossTests {
    static let torture = ProcessInfo.processInfo.environment["AEGIS_TORTURE"] == "1"

    @Test(arguments: [FsyncPolicy.always, .interval(milliseconds: 5), .off])
    func powerLossKeepsAcknowledgedCommitsAndMatchesTwin(policy: FsyncPolicy) async throws {
        let rounds = StorePowerLossTests.torture ? 1_000 : 50
        var totals = (acked: 0, crashes: 0, fallbacks: 0, lost: 0)
        for round in 0..<rounds {
            let r = try await runRound(seed: UInt64(round) &* 1_000_003 &+ 17, policy: policy)
            totals.acked += r.acked; totals.crashes += r.crashes; totals.fallbacks += r.fallbacks; totals.lost += r.lostAcked
            if r.failed { break }
        }
        print("power loss (\(policy)): \(rounds) rounds, \(totals.crashes) crashes, \(totals.acked) acknowledged commits, \(totals.lost) acknowledged commits lost, \(totals.fallbacks) snapshot fallbacks")
        if policy == .always { #expect(totals.lost == 0) }
        #expect(totals.acked > rounds)
    }

    struct RoundResult { var acked = 0; var crashes = 0; var fallbacks = 0; var lostAcked = 0; var failed = false }

    func runRound(seed: UInt64, policy: FsyncPolicy) async throws -> RoundResult {
        var result = RoundResult()
        let io = FaultInjectingFileIO(seed: seed)
        var rng = SplitMix64(seed: seed ^ 0xABCDEF)
        var gen = EventGenerator(seed: seed)
        let dir = "/data"
        var opts = storeOptions(io: io, fsync: policy, segmentSize: 4096)
        opts.collectIndexCatchUp = false
        var history: [(lsn: UInt64, events: [StoreEvent])] = []
        var lastAcked: UInt64 = 0
        var lastCheckpoint: UInt64 = 0

        var store = try await Store.open(directory: dir, options: opts)
        history.append((1, [.config(embeddingModel: "test-model", dimension: 8)]))
        lastAcked = 1
        for _ in 0..<3 {
            // Arm a fault somewhere in the next operations (or none: a plain power cut).
            let ops = 5 + Int(rng.next() % 30)
            let armAt = Int(rng.next() % UInt64(ops))
            for i in 0..<ops {
                if i == armAt {
                    switch rng.next() % 5 {
                    case 0: io.failNth(.write, 1 + Int(rng.next() % 4))
                    case 1: io.failNth(.fsync, 1 + Int(rng.next() % 3))
                    case 2: io.failNth(.rename, 1)
                    case 3: io.failNth(.directoryFsync, 1 + Int(rng.next() % 2))
                    default: break
                    }
                }
                do {
                    if rng.next() % 8 == 0 {
                        let info = try await store.checkpoint(indexSection: (0..<Int(rng.next() % 200)).map { UInt8(truncatingIfNeeded: $0) })
                        lastCheckpoint = info.lsn
                    } else {
                        let events = store.read { gen.next($0) }
                        let expected = store.lastLSN + 1
                        history.append((expected, events))
                        let lsn = try await store.commit(events)
                        #expect(lsn == expected)
                        lastAcked = lsn
                        result.acked += 1
                    }
                } catch {
                    break // a fault fired: the machine loses power now
                }
            }
            io.clearFaults()
            io.simulatePowerLoss(mode: FaultInjectingFileIO.PowerLossMode.allCases[Int(rng.next() % 4)])
            try? await store.close() // the dead process: every operation fails while powered off
            io.powerOn()
            result.crashes += 1

            do {
                store = try await Store.open(directory: dir, options: opts)
            } catch {
                Issue.record("seed \(seed) policy \(policy): recovery failed: \(error)")
                result.failed = true
                return result
            }
            let recovered = store.lastLSN
            if !store.openReport.skippedSnapshots.isEmpty { result.fallbacks += 1 }
            if recovered < lastAcked {
                result.lostAcked += Int(lastAcked - recovered)
                if policy == .always { Issue.record("seed \(seed): recovered LSN \(recovered) < acknowledged \(lastAcked)") }
            }
            if policy == .always, let snap = store.openReport.snapshot?.lsn, snap < lastCheckpoint {
                Issue.record("seed \(seed): acknowledged checkpoint at LSN \(lastCheckpoint) lost (recovered from \(snap))")
            }
            // The twin: a state that never crashed, fed the same history through `recovered`.
            history.removeAll { $0.lsn > recovered }
            #expect(history.last?.lsn == recovered, "seed \(seed): recovered LSN \(recovered) is not a commit boundary of the history")
            let twin = StoreState()
            for h in history { twin.apply(h.events, lsn: h.lsn, timestamp: 0) }
            let a = dump(store), b = dump(twin)
            if a != b {
                Issue.record("seed \(seed) policy \(policy): recovered state differs from the twin at LSN \(recovered): \(zip(a, b).first { $0 != $1 }.map { "\($0.0)\n≠\n\($0.1)" } ?? "counts \(a.count) vs \(b.count)")")
                result.failed = true
                return result
            }
            #expect(store.read { $0.skippedReplayEvents } == 0)
            let verify = StoreVerifier.verify(directory: dir, io: io)
            if !verify.isHealthy {
                Issue.record("seed \(seed): verify after recovery: \(verify.problems)")
                result.failed = true
                return result
            }
            lastAcked = recovered
            lastCheckpoint = min(lastCheckpoint, store.openReport.snapshot?.lsn ?? 0)
        }
        try? await store.close()
        return result
    }
}
