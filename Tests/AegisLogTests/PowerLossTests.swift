import Synchronization
import Testing
@testable import AegisLog

/// R3: simulated power loss on the fault-injecting FileIO, per fsync policy. The oracle: every
/// acknowledged record that the policy promises is present with its exact payload, the log is
/// a contiguous prefix of what was written, and unacknowledged records appear only whole.
@Suite struct PowerLossTests {
    /// Payload: writer id, sequence number, then bytes derived from both (so a recovered record
    /// can be checked without knowing whether it was acknowledged).
    static func body(_ writer: Int, _ seq: Int) -> [UInt8] {
        var out: [UInt8] = [UInt8(writer), UInt8(seq & 0xFF), UInt8(seq >> 8)]
        var rng = SplitMix64(seed: UInt64(writer << 20 | seq))
        let n = 10 + Int(rng.next() % 300)
        let compressible = seq % 3 == 0
        for _ in 0..<n { out.append(compressible ? UInt8(writer) : UInt8(truncatingIfNeeded: rng.next())) }
        return out
    }

    final class Box: Sendable {
        let m = Mutex<[LogRecord]>([])
        func withLock<R>(_ body: (inout [LogRecord]) -> R) -> R { m.withLock { body(&$0) } }
    }

    struct Round {
        var acked: [LogRecord] = []
        var recovered: [LogRecord] = []
        var durableBeforeCrash: UInt64 = 0
    }

    static func runRound(_ policy: FsyncPolicy, seed: UInt64) async throws -> Round {
        var rng = SplitMix64(seed: seed)
        let io = FaultInjectingFileIO(seed: seed)
        var options = testOptions(policy, segmentSize: 4096)
        options.compressionThreshold = 100
        // Some history from an earlier run, so recovery also crosses segments.
        let earlier = Int(rng.next() % 15)
        var acked: [LogRecord] = []
        if earlier > 0 {
            let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: options)
            for s in 0..<earlier { acked.append(try await log.append(type: 1, payload: body(9, s))) }
            try await log.close()
        }
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: options)
        let ackedNow = Box()
        let crashAfter = 1 + Int(rng.next() % 25)
        let writers = 1 + Int(rng.next() % 4)
        let mode = FaultInjectingFileIO.PowerLossMode.allCases[Int(rng.next() % 4)]
        var durableBefore: UInt64 = 0
        await withTaskGroup(of: Void.self) { group in
            for w in 0..<writers {
                group.addTask {
                    var seq = 0
                    while true {
                        do {
                            let r = try await log.append(type: 2, payload: body(w, seq))
                            ackedNow.withLock { $0.append(r) }
                        } catch { return }
                        seq += 1
                    }
                }
            }
            while ackedNow.withLock({ $0.count }) < crashAfter { await Task.yield() }
            durableBefore = log.durableLSN
            io.simulatePowerLoss(mode: mode)
        }
        try? await log.close()
        io.powerOn()
        acked += ackedNow.withLock { $0 }
        let (recovered, _) = try await reopenAndRead(io, options: options)
        return Round(acked: acked, recovered: recovered, durableBeforeCrash: durableBefore)
    }

    /// Checks every recovered record is whole and the log is a contiguous prefix.
    static func checkIntegrity(_ round: Round) {
        let rec = round.recovered
        #expect(rec.map(\.lsn) == Array(UInt64(1)..<UInt64(1 + rec.count)))
        var nextSeq: [UInt8: Int] = [:]
        for r in rec {
            let w = r.payload[0], seq = Int(r.payload[1]) | Int(r.payload[2]) << 8
            #expect(r.payload == body(Int(w), seq), "record \(r.lsn) is not whole")
            // Each writer waits for its ack before the next append: its records form a prefix.
            #expect(seq == nextSeq[w, default: 0], "writer \(w) has a hole before seq \(seq)")
            nextSeq[w] = seq + 1
        }
    }

    static var rounds: Int { tortureEnabled ? 1_000 : 200 }

    @Test func alwaysLosesNoAcknowledgedRecord() async throws {
        for seed in 0..<UInt64(Self.rounds) {
            let round = try await Self.runRound(.always, seed: seed)
            Self.checkIntegrity(round)
            let byLSN = Dictionary(uniqueKeysWithValues: round.recovered.map { ($0.lsn, $0) })
            for a in round.acked { #expect(byLSN[a.lsn] == a, "seed \(seed): acknowledged LSN \(a.lsn) lost") }
        }
    }

    @Test func intervalLosesAtMostTheUnsyncedWindow() async throws {
        var maxLost = 0
        for seed in 0..<UInt64(Self.rounds) {
            let round = try await Self.runRound(.interval(milliseconds: 2), seed: seed)
            Self.checkIntegrity(round)
            let byLSN = Dictionary(uniqueKeysWithValues: round.recovered.map { ($0.lsn, $0) })
            var lost = 0
            for a in round.acked {
                if a.lsn <= round.durableBeforeCrash { #expect(byLSN[a.lsn] == a, "seed \(seed): synced LSN \(a.lsn) lost") }
                else if byLSN[a.lsn] == nil { lost += 1 } else { #expect(byLSN[a.lsn] == a) }
            }
            maxLost = max(maxLost, lost)
        }
        print("interval=2ms: at most \(maxLost) acknowledged records lost in one power loss")
    }

    @Test func offStaysPrefixConsistent() async throws {
        for seed in 0..<UInt64(Self.rounds) {
            let round = try await Self.runRound(.off, seed: seed)
            Self.checkIntegrity(round)
            let byLSN = Dictionary(uniqueKeysWithValues: round.recovered.map { ($0.lsn, $0) })
            // The earlier run's records were synced by close(): they survive.
            for a in round.acked where a.lsn <= round.durableBeforeCrash { #expect(byLSN[a.lsn] == a) }
            for a in round.acked { if let r = byLSN[a.lsn] { #expect(r == a) } }
        }
    }
}
