import Testing
import AegisCore
import AegisLog
@testable import AegisStorage
import Foundation

/// `StoreVerifier.verifyKeepingStore`: the store its recovery opened (started from the newest
/// snapshot the snapshot checks already read) equals a fresh read-only open, and the report is
/// the one `verify` gives.
@Suite struct StoreVerifierSharedStoreTests {
    @Test func keptStoreEqualsAFreshReadOnlyOpen() async throws {
        let dir = TempDir(); defer { dir.cleanup() }
        let (before, _, newer) = try await SnapshotRecoveryTests().makeStore(dir.path)
        let (report, kept) = StoreVerifier.verifyKeepingStore(directory: dir.path)
        let store = try #require(kept)
        let plain = StoreVerifier.verify(directory: dir.path)
        #expect(report.isHealthy && report.problems == plain.problems && report.warnings == plain.warnings && report.checked == plain.checked)
        let fresh = try Store.openReadOnly(directory: dir.path)
        #expect(store.openReport.snapshot?.lsn == newer && fresh.openReport.snapshot?.lsn == newer)
        #expect(store.openReport.indexSection == [2] && store.openReport.indexLSN == fresh.openReport.indexLSN)
        #expect(store.openReport.replayedRecords == fresh.openReport.replayedRecords && store.openReport.replayedRecords == 5)
        #expect(dump(store) == before && dump(fresh) == before)

        // A damaged newest snapshot: reported, nothing kept from it; recovery falls back by itself.
        let path = dir.path + "/snapshots/" + StorageFormat.snapshotFileName(lsn: newer)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x20
        try bytes.write(to: URL(fileURLWithPath: path))
        let (bad, none) = StoreVerifier.verifyKeepingStore(directory: dir.path)
        #expect(!bad.isHealthy && none == nil, "\(bad.problems)")
        #expect(bad.problems.contains { $0.contains(StorageFormat.snapshotFileName(lsn: newer)) })
    }
}
