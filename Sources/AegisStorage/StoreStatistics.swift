import AegisCore
import AegisLog

/// Counts and disk use of a store (`aegis-memory stats`).
public struct StoreStatistics: Sendable {
    public struct Project: Sendable {
        public var id: String
        public var memories = 0
        public var deprecated = 0
        public var expired = 0
        public var votes = 0
        public var sessions = 0
        public var features = 0
        public var byNamespace: [String: Int] = [:]
        /// Owner agent ("" key = no owner).
        public var byAgent: [String: Int] = [:]
        public var byType: [String: Int] = [:]
        public var byScope: [String: Int] = [:]
    }
    public var projects: [Project] = []
    public var embeddingModel: String?
    public var dimension = 0
    public var lastLSN: UInt64 = 0
    public var snapshotLSN: UInt64?
    public var logFirstLSN: UInt64?
    public var logSegments = 0
    public var logBytes: Int64 = 0
    public var snapshotFiles = 0
    public var snapshotBytes: Int64 = 0
    public var archiveBytes: Int64 = 0

    /// Computes the statistics of an open store plus the disk use of its directory.
    public static func compute(_ store: Store, now: Timestamp = .now()) -> StoreStatistics {
        var s = StoreStatistics()
        store.read { v in
            s.embeddingModel = v.embeddingModel
            s.dimension = v.dimension
            s.lastLSN = v.lastLSN
            for pid in v.projectIds {
                var p = Project(id: pid)
                v.forEachMemory(project: pid) { row in
                    p.memories += 1
                    if row.isDeprecated { p.deprecated += 1 }
                    if row.isExpired(at: now) { p.expired += 1 }
                    p.byNamespace[row.namespace, default: 0] += 1
                    p.byAgent[row.agentId ?? "", default: 0] += 1
                    p.byType[row.memoryType.rawValue, default: 0] += 1
                    p.byScope[row.scope.rawValue, default: 0] += 1
                    return true
                }
                p.votes = v.voteCount(project: pid)
                p.sessions = v.sessions(project: pid).count
                p.features = v.features(project: pid).count
                s.projects.append(p)
            }
        }
        s.snapshotLSN = store.openReport.snapshot?.lsn
        let io = store.io
        func sizes(_ dir: String, _ filter: (String) -> Bool) -> (Int, Int64) {
            guard io.isDirectory(dir), let names = try? io.listDirectory(dir) else { return (0, 0) }
            var n = 0, bytes: Int64 = 0
            for name in names where filter(name) {
                n += 1
                bytes += (try? io.fileSize(atPath: IOPath.join(dir, name))) .flatMap { $0 } ?? 0
            }
            return (n, bytes)
        }
        (s.logSegments, s.logBytes) = sizes(store.logDirectory) { LogFormat.segmentNumber(fromFileName: $0) != nil }
        (s.snapshotFiles, s.snapshotBytes) = sizes(store.snapshotDirectory) { StorageFormat.snapshotLSN(fromFileName: $0) != nil }
        (_, s.archiveBytes) = sizes(IOPath.join(store.directory, StorageFormat.archiveDirectory)) { _ in true }
        s.logFirstLSN = Recovery.firstLogLSN(io: io, logDirectory: store.logDirectory)
        return s
    }
}
