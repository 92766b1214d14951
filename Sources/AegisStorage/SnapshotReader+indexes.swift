import AegisCore
import AegisLog
import Dispatch

extension SnapshotReader {
    /// Builds the per-project lookups from the row keys (three independent jobs in parallel).
    func buildIndexes(_ state: StoreState, keys: RowKeys, path: String) throws {
        var trace = OpenTrace()
        let n = keys.count
        // Project of every row (rows of one project are usually contiguous).
        var projectIds: [String] = []
        var projectOf = [UInt16](repeating: 0, count: n)
        var last = "", lastIndex: UInt16 = 0, lookup: [String: UInt16] = [:]
        for i in 0..<n {
            let p = keys.projects[i]
            if i == 0 || p != last {
                if let k = lookup[p] { lastIndex = k } else {
                    guard projectIds.count < Int(UInt16.max) else { throw corrupt(path, "more than 65535 projects") }
                    lastIndex = UInt16(projectIds.count); lookup[p] = lastIndex; projectIds.append(p)
                }
                last = p
            }
            projectOf[i] = lastIndex
        }
        var counts = [Int](repeating: 0, count: projectIds.count)
        for k in projectOf { counts[Int(k)] += 1 }
        let tables = projectIds.map { state.project($0) }
        trace.mark("row projects")

        let duplicate = Mutex<String?>(nil)
        let box = Unchecked((tables: tables, projectOf: projectOf, counts: counts))
        DispatchQueue.concurrentPerform(iterations: 3) { job in
            var jobTrace = OpenTrace()
            defer { jobTrace.mark("lookup job \(job)") }
            let (tables, projectOf, counts) = box.value
            switch job {
            case 0:
                var byId = counts.map { [IdKey: Int32](minimumCapacity: $0) }
                for i in 0..<n {
                    let k = Int(projectOf[i])
                    // Moved out of `keys` (no retain/release of a million strings).
                    let key = (keys.ids + i).move()
                    if byId[k].updateValue(Int32(i), forKey: key) != nil { duplicate.withLock { $0 = key.id } }
                }
                keys.idsMoved = true
                for (k, t) in tables.enumerated() { t.memoryById = byId[k] }
            case 1:
                var byHash = counts.map { [HashKey: SlotList](minimumCapacity: $0) }
                for i in 0..<n {
                    let k = Int(projectOf[i])
                    let h = keys.hashes[i]
                    // One probe in the usual case (a hash seen once).
                    if let l = byHash[k].updateValue(.one(Int32(i)), forKey: h) { byHash[k][h] = l.appending(Int32(i)) }
                }
                for (k, t) in tables.enumerated() { t.byHash = byHash[k] }
            default:
                var byAgent = tables.map { _ in [String?: [Int32]]() }
                var byNamespace = tables.map { _ in [String: [Int32]]() }
                for i in 0..<n {
                    let k = Int(projectOf[i])
                    byAgent[k][keys.agents[i], default: []].append(Int32(i))
                    byNamespace[k][keys.namespaces[i], default: []].append(Int32(i))
                }
                for (k, t) in tables.enumerated() {
                    t.byAgent = byAgent[k].mapValues { RowSet(sorted: $0) }
                    t.byNamespace = byNamespace[k].mapValues { RowSet(sorted: $0) }
                }
            }
        }
        if let d = duplicate.withLock({ $0 }) { throw corrupt(path, "memory \(d) appears twice") }
    }
}

/// The lookup keys of every decoded row, in flat buffers written by the decoding jobs (each
/// writes its own rows), so index building never copies whole rows.
final class RowKeys: @unchecked Sendable {
    let count: Int
    let ids: UnsafeMutablePointer<IdKey>
    /// Set once index building moved the ids out (then `release` leaves them alone).
    var idsMoved = false
    let projects: UnsafeMutablePointer<String>
    let hashes: UnsafeMutablePointer<HashKey>
    let agents: UnsafeMutablePointer<String?>
    let namespaces: UnsafeMutablePointer<String>

    init(capacity: Int) {
        count = capacity
        ids = .allocate(capacity: max(1, capacity)); projects = .allocate(capacity: max(1, capacity))
        hashes = .allocate(capacity: max(1, capacity)); agents = .allocate(capacity: max(1, capacity))
        namespaces = .allocate(capacity: max(1, capacity))
    }
    func set(_ i: Int, _ row: MemoryRow) {
        (ids + i).initialize(to: IdKey(row.id)); (projects + i).initialize(to: row.projectId); (hashes + i).initialize(to: row.hash)
        (agents + i).initialize(to: row.agentId); (namespaces + i).initialize(to: row.namespace)
    }
    func fillEmpty(_ r: Range<Int>) {
        for i in r { set(i, MemoryRow(id: "", projectId: "", userId: nil, agentId: nil, namespace: "", memoryType: .standard, content: "",
                                      hash: HashKey(a: 0, b: 0, c: 0, d: 0), metadata: [:], scope: .global, sharedWithAgents: [],
                                      derivedFromAgents: [], coordinationMetadata: [:], createdAt: Timestamp(microseconds: 0),
                                      updatedAt: Timestamp(microseconds: 0), expiresAt: nil, bulletHelpful: 0, bulletHarmful: 0,
                                      isDeprecated: false, deprecatedAt: nil, deprecatedBy: nil, supersededBy: nil,
                                      sourceTrajectoryId: nil, errorPattern: nil, slot: -1)) }
    }
    func release() {
        if !idsMoved { ids.deinitialize(count: count) }
        projects.deinitialize(count: count); hashes.deinitialize(count: count)
        agents.deinitialize(count: count); namespaces.deinitialize(count: count)
        ids.deallocate(); projects.deallocate(); hashes.deallocate(); agents.deallocate(); namespaces.deallocate()
    }
}

/// Hands a value to concurrently running jobs that only read it (or write disjoint parts).
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

