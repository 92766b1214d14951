import AegisCore
import AegisLog

extension Backup {
    /// One thing wrong with a backup.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable { case manifest, missing, extra, truncated, checksum, log }
        public var kind: Kind
        public var path: String
        public var detail: String
        public var description: String { "\(kind.rawValue): \(path)\(detail.isEmpty ? "" : " (\(detail))")" }
    }

    /// Checks a backup against its manifest: every listed file present with its size and XXH3,
    /// no unlisted files, the log records continuous from the snapshot to `end_lsn`. Returns the
    /// problems found (empty = good); a missing or damaged manifest is itself a problem.
    public static func verify(backupDirectory: String, io: any FileIO = PosixFileIO()) throws -> [Problem] {
        let manifest: BackupManifest
        do { manifest = try readManifest(backupDirectory, io: io) } catch let e as AegisError {
            return [Problem(kind: .manifest, path: BackupManifest.fileName, detail: e.message)]
        }
        var problems: [Problem] = []
        let listed = Set(manifest.files.map(\.path))
        for f in manifest.files {
            let path = IOPath.join(backupDirectory, f.path)
            guard let size = try io.fileSize(atPath: path) else { problems.append(Problem(kind: .missing, path: f.path, detail: "")); continue }
            if size != f.size {
                problems.append(Problem(kind: .truncated, path: f.path, detail: "\(size) bytes, manifest says \(f.size)")); continue
            }
            let sum = try checksum(path, io: io)
            if sum.xxh3 != f.xxh3 {
                problems.append(Problem(kind: .checksum, path: f.path, detail: "XXH3 \(BackupManifest.hex(sum.xxh3)), manifest says \(BackupManifest.hex(f.xxh3))"))
            }
        }
        // Unlisted files anywhere in the backup.
        func walk(_ rel: String) throws {
            let dir = rel.isEmpty ? backupDirectory : IOPath.join(backupDirectory, rel)
            for name in try io.listDirectory(dir) {
                let r = rel.isEmpty ? name : rel + "/" + name
                if io.isDirectory(IOPath.join(backupDirectory, r)) { try walk(r); continue }
                if r == BackupManifest.fileName || listed.contains(r) { continue }
                problems.append(Problem(kind: .extra, path: r, detail: "not listed in the manifest"))
            }
        }
        try walk("")
        // Record sequence (only meaningful when the files themselves are intact).
        if problems.isEmpty {
            do {
                let report = try LogReader.scan(directory: IOPath.join(backupDirectory, StorageFormat.logDirectory), io: io,
                                                fromLSN: manifest.snapshotLSN + 1) { _ in }
                if max(report.lastLSN, manifest.snapshotLSN) != manifest.endLSN {
                    problems.append(Problem(kind: .log, path: StorageFormat.logDirectory, detail: "log ends at LSN \(report.lastLSN), manifest says \(manifest.endLSN)"))
                }
                if report.tailIgnoredBytes > 0 {
                    problems.append(Problem(kind: .log, path: report.tailFile ?? StorageFormat.logDirectory, detail: "\(report.tailIgnoredBytes) bytes after the last complete record"))
                }
            } catch {
                problems.append(Problem(kind: .log, path: StorageFormat.logDirectory, detail: "\(error)"))
            }
        }
        return problems
    }

    /// Retention: keeps the newest `keep` backups among the sibling directories of
    /// `backupDirectory` (those holding an `aegis-backup.txt`), and, with `maxAgeDays`, removes
    /// older ones too. Returns the removed directories. Never removes the given backup.
    public static func prune(siblingsOf backupDirectory: String, keep: Int?, maxAgeDays: Int?, io: any FileIO = PosixFileIO()) throws -> [String] {
        let parent = IOPath.directory(of: backupDirectory)
        var found: [(path: String, createdAt: Int64)] = []
        for name in try io.listDirectory(parent) {
            let p = IOPath.join(parent, name)
            guard io.isDirectory(p), let m = try? readManifest(p, io: io) else { continue }
            found.append((p, m.createdAt))
        }
        found.sort { $0.createdAt > $1.createdAt }
        let cutoff = maxAgeDays.map { Timestamp.now().microseconds - Int64($0) * 86_400_000_000 }
        var removed: [String] = []
        for (i, b) in found.enumerated() where b.path != backupDirectory {
            let tooMany = keep.map { i >= $0 } ?? false
            let tooOld = cutoff.map { b.createdAt < $0 } ?? false
            if tooMany || tooOld { try removeTree(b.path, io: io); removed.append(b.path) }
        }
        return removed
    }
}
