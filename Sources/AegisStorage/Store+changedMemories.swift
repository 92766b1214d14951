import AegisCore
import AegisLog

extension Store {
    /// Memory ids (project, id) that log records `afterLSN+1 … throughLSN` of `directory` put,
    /// update, deprecate or delete — for checking a derived index saved at `afterLSN` against
    /// tables that already include those records. Read-only; takes no lock.
    public static func memoriesTouched(directory: String, afterLSN: UInt64, throughLSN: UInt64,
                                       io: any FileIO = PosixFileIO()) throws -> Set<MemoryKey> {
        var out = Set<MemoryKey>()
        guard afterLSN < throughLSN else { return out }
        try LogReader.scan(directory: IOPath.join(directory, StorageFormat.logDirectory), io: io,
                           fromLSN: afterLSN + 1, throughLSN: throughLSN) { view in
            let events = try EventCodec.decodeRecord(type: view.type, payload: view.payload,
                                                     what: "log record LSN \(view.lsn)", dimension: nil)
            for e in events {
                switch e {
                case .memoryPut(let m): out.insert(MemoryKey(projectId: m.projectId, id: m.id))
                case .memoryUpdate(let u): out.insert(MemoryKey(projectId: u.projectId, id: u.id))
                case .memoryDeprecate(let d): out.insert(MemoryKey(projectId: d.projectId, id: d.id))
                case .memoryDelete(let p, let id): out.insert(MemoryKey(projectId: p, id: id))
                default: break
                }
            }
        }
        return out
    }
}

/// A memory's identity across projects.
public struct MemoryKey: Sendable, Hashable {
    public var projectId: String
    public var id: String
    public init(projectId: String, id: String) { self.projectId = projectId; self.id = id }
}
