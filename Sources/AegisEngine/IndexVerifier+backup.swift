import AegisStorage

/// What `IndexVerifier.verify(backupDirectory:)` found: the backup's files against its
/// manifest, then (when they are intact) the saved HNSW graphs against the backup's tables.
public struct BackupVerifyReport: Sendable {
    /// Files missing, extra, truncated or corrupted, a damaged manifest, a broken log sequence.
    public var files: [Backup.Problem] = []
    /// The index checks of `verify --data-dir`, run on the backup; nil when the files already
    /// failed (the snapshot may not load, and a restore refuses such a backup anyway).
    public var index: IndexVerifyReport?
    /// Every problem, one line each (file problems first).
    public var problems: [String] { files.map(\.description) + (index?.problems ?? []) }
    public var isHealthy: Bool { problems.isEmpty }
}

extension IndexVerifier {
    /// `verify --backup B`: `Backup.verify`, then the backup opened read-only (no lock, nothing
    /// written into it: the newest snapshot plus the log replayed in memory) and its index
    /// section checked exactly as `verify(directory:)` checks a data directory's. Throws only
    /// when the backup directory cannot be listed.
    public static func verify(backupDirectory: String, vectorSample: Int = .max) throws -> BackupVerifyReport {
        var report = BackupVerifyReport()
        report.files = try Backup.verify(backupDirectory: backupDirectory)
        guard report.files.isEmpty else { return report }
        report.index = verify(directory: backupDirectory, vectorSample: vectorSample)
        return report
    }
}
