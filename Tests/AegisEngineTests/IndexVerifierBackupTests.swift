import Testing
import AegisCore
import AegisLog
import AegisStorage
@testable import AegisEngine
import Foundation

/// `IndexVerifier.verify(backupDirectory:)` (what `verify --backup` runs): the backup's files,
/// then its snapshot's index section against its tables, read-only.
@Suite struct IndexVerifierBackupTests {
    static let fast = StoreOptions(log: LogOptions(fsync: .off))

    /// Every file of `dir` (relative path → bytes), to prove verification writes nothing.
    func contents(_ dir: String) throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        let fm = FileManager.default
        for case let rel as String in fm.enumerator(atPath: dir)! {
            var isDir: ObjCBool = false
            let path = dir + "/" + rel
            if fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue {
                out[rel] = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            }
        }
        return out
    }

    /// Writes a new snapshot of `dir` whose index section is `bytes`, then backs `dir` up to a
    /// fresh directory `name` (the backup carries the planted section; its manifest matches).
    func plantAndBackUp(_ dir: String, _ bytes: [UInt8], _ name: String) async throws -> String {
        let s = try await Store.open(directory: dir, options: Self.fast)
        _ = try await s.checkpoint(indexSection: bytes)
        try await s.close()
        let backup = dir + "-" + name
        _ = try Backup.create(dataDirectory: dir, backupDirectory: backup)
        return backup
    }

    func verified(_ backup: String) throws -> BackupVerifyReport {
        let before = try contents(backup)
        let r = try IndexVerifier.verify(backupDirectory: backup)
        #expect(try contents(backup) == before, "verifying \(backup) changed it")
        return r
    }

    @Test func healthyBackupPassesAndPlantedIndexFaultsAreNamed() async throws {
        let dir = tempDir("verifybackup")
        var made: [String] = []
        defer { removeTree(dir); for b in made { removeTree(b) } }
        let e = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, storeOptions: Self.fast)
        var ids: [String] = []
        for i in 0..<50 { ids.append(try await e.addText("backup memory \(i) about topic \(i % 5)", scope: .global)) }
        _ = try await e.addText("other project memory", project: Q, scope: .global)
        try await e.delete(project: P, id: ids.removeFirst())
        try await e.close()

        // Healthy: files intact, every project's graph matches the backup's tables.
        let good = dir + "-good"; made.append(good)
        _ = try Backup.create(dataDirectory: dir, backupDirectory: good)
        let ok = try verified(good)
        #expect(ok.isHealthy && ok.files.isEmpty, "\(ok.problems)")
        let index = try #require(ok.index)
        #expect(index.checked.contains { $0.contains("section") && $0.contains("checksum holds") }, "\(index.checked)")
        #expect(index.checked.contains { $0.contains("project \(P): 49 nodes, 49 slots match") }, "\(index.checked)")
        #expect(index.checked.contains { $0.contains("project \(Q): 1 nodes, 1 slots match") }, "\(index.checked)")

        let s = try Store.openReadOnly(directory: dir)
        let entries = try #require(s.openReport.indexSection.flatMap { IndexSection.decode($0) })
        let entry = try #require(entries[P])
        let used = entry.slots.indices.filter { entry.slots[$0] != nil }
        let a = used[2], b = used[9]
        let idA = entry.slots[a]!, idB = entry.slots[b]!

        var ghost = entries; ghost[P]!.slots[a] = "ghost-memory-id"
        var swapped = entries; swapped[P]!.slots.swapAt(a, b)
        var dup = entries; dup[P]!.slots[b] = idA
        var emptied = entries; emptied[P]!.slots[a] = nil
        var flipped = entries; flipped[P]!.graph[flipped[P]!.graph.count / 2] ^= 0x10
        var raw = IndexSection.encode(entries: entries); raw[raw.count / 2] ^= 0x01
        let faults: [(String, [UInt8], (String) -> Bool)] = [
            ("ghost", IndexSection.encode(entries: ghost),
             { $0.contains("project \(P): slot \(a) names memory ghost-memory-id, which the tables do not hold") }),
            ("swapped", IndexSection.encode(entries: swapped),
             { $0.contains("project \(P): slot \(a): the graph's int8 codes differ from those of memory \(idB)'s embedding") }),
            ("dup", IndexSection.encode(entries: dup),
             { $0.contains("project \(P): memory \(idA) appears in slots \(a) and \(b)") }),
            ("emptied", IndexSection.encode(entries: emptied),
             { $0.contains("project \(P): slot \(a) is empty in the slot table but the graph has a node for it") }),
            // A bit flip in the graph with the section checksum recomputed: decode, integrity or vectors catch it.
            ("flipped", IndexSection.encode(entries: flipped), { $0.contains("index: project \(P)") }),
            ("checksum", raw, { $0.contains("does not parse or its checksum fails") }),
        ]
        for (name, bytes, expected) in faults {
            let backup = try await plantAndBackUp(dir, bytes, name); made.append(backup)
            let r = try verified(backup)
            #expect(r.files.isEmpty, "\(name): \(r.files)")
            #expect(!r.isHealthy && r.problems.contains(where: expected), "\(name): \(r.problems)")
            #expect(r.problems.allSatisfy { $0.hasPrefix("index: ") }, "\(name): \(r.problems)")
            if name == "emptied" {
                #expect(r.problems.contains { $0.contains("the graph has 49 live nodes, the slot table names 48 memories") }, "\(r.problems)")
            }
        }

        // Back to the good section, then changes after the index LSN (log only): the backup
        // replays them and skips those memories.
        let s2 = try await Store.open(directory: dir, options: Self.fast)
        _ = try await s2.checkpoint(indexSection: IndexSection.encode(entries: entries))
        try await s2.close()
        let e2 = try await AegisEngine.open(directory: dir, embedder: hashEmbedder, storeOptions: Self.fast)
        try await e2.delete(project: P, id: ids.removeFirst())
        _ = try await e2.addText("added after the checkpoint", scope: .global)
        try await e2.closeWithoutCheckpoint()
        let later = dir + "-later"; made.append(later)
        _ = try Backup.create(dataDirectory: dir, backupDirectory: later)
        let lr = try verified(later)
        #expect(lr.isHealthy, "\(lr.problems)")
        #expect(lr.index?.checked.contains { $0.contains("memories changed after the index LSN skipped") } == true, "\(String(describing: lr.index))")

        // Damaged files: reported as such, the index is not checked.
        let snap = try #require(try contents(later).keys.first { $0.hasPrefix("snapshots/") })
        let h = try PosixFileIO().open(later + "/" + snap, mode: .readWrite)
        var byte = try PosixFileIO().pread(h, count: 1, at: 200)
        byte[0] ^= 0x40
        try PosixFileIO().pwrite(h, byte, at: 200)
        try PosixFileIO().close(h)
        let bad = try IndexVerifier.verify(backupDirectory: later)
        #expect(bad.index == nil && bad.files.contains { $0.kind == .checksum && $0.path == snap }, "\(bad.problems)")
    }
}
