#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// An in-memory file system for crash and fault tests (LevelDB's FaultInjectionTestEnv,
/// SQLite's test6.c). It tracks, per file, the bytes written and the bytes made durable by
/// fsync, and per directory the entries made durable by a directory fsync. A simulated power
/// loss rebuilds the durable state; faults (the Nth write / fsync / rename / …, transient or
/// persistent) and a disk capacity (ENOSPC) can be injected. All randomness is seeded.
///
/// Directories themselves are durable as soon as they are created.
public final class FaultInjectingFileIO: FileIO, Sendable {
    /// What happens to bytes written but not fsynced when the power goes.
    public enum PowerLossMode: Sendable, CaseIterable {
        /// They are all lost.
        case dropUnsynced
        /// A random prefix of them survives (per file).
        case keepRandomPrefix
        /// Each unsynced 512-byte sector comes back new, zeroed, or as random garbage.
        case garbleUnsynced
        /// One of the above, chosen per file.
        case mixed
    }

    /// Operations that faults can target.
    public enum Operation: String, Sendable, CaseIterable {
        case open, read, write, fsync, directoryFsync, rename, ftruncate, unlink
    }

    public static let sectorSize = 512

    struct Inode {
        var data: [UInt8] = []
        var synced: [UInt8] = []
    }

    struct Fault {
        var operation: Operation
        var nth: Int
        var persistent: Bool
        var errno: Int32
    }

    struct State {
        var rng: SplitMix64
        var inodes: [Int: Inode] = [:]
        var nextInode = 1
        var entries: [String: Int] = [:]
        var durableEntries: [String: Int] = [:]
        var directories: Set<String> = ["/", "."]
        var handles: [Int32: (inode: Int, path: String)] = [:]
        var nextHandle: Int32 = 3
        var locks: [String: Int32] = [:]
        var counts: [Operation: Int] = [:]
        var faults: [Fault] = []
        var capacity: Int? = nil
        var powerLosses = 0
        var syncDelayMicros: UInt32 = 0
        var poweredOff = false
    }

    private let state: Mutex<State>

    public init(seed: UInt64 = 1) {
        state = Mutex(State(rng: SplitMix64(seed: seed)))
    }

    // MARK: fault control

    /// Makes the `nth` (1-based, counted from now) operation of this kind fail with `errno`;
    /// with `persistent`, every later one fails too.
    public func failNth(_ operation: Operation, _ nth: Int, persistent: Bool = false, errno: Int32 = EIO) {
        state.withLock { s in
            s.faults.append(Fault(operation: operation, nth: (s.counts[operation] ?? 0) + nth, persistent: persistent, errno: errno))
        }
    }

    public func clearFaults() { state.withLock { $0.faults.removeAll() } }

    /// Total bytes all files may hold; a write beyond it writes what fits and fails with ENOSPC.
    /// nil = unlimited.
    public var diskCapacity: Int? {
        get { state.withLock { $0.capacity } }
        set { state.withLock { $0.capacity = newValue } }
    }

    /// Bytes currently held by all files.
    public var usedBytes: Int { state.withLock { Self.used($0) } }

    /// Simulated latency of every fsync/fdatasync (slept outside the lock), to exercise group commit.
    public var syncDelayMicroseconds: UInt32 {
        get { state.withLock { $0.syncDelayMicros } }
        set { state.withLock { $0.syncDelayMicros = newValue } }
    }

    public func operationCount(_ operation: Operation) -> Int { state.withLock { $0.counts[operation] ?? 0 } }

    public var powerLossCount: Int { state.withLock { $0.powerLosses } }

    // MARK: power loss

    /// Simulates a power loss: every file keeps its fsynced bytes plus whatever `mode` lets
    /// survive of the rest; directory entries not made durable by a directory fsync vanish
    /// (creations) or revert (renames, removals). All open handles and locks become invalid and
    /// the machine stays off — every operation fails with EIO, so the "dead" process can write
    /// nothing more — until `powerOn()`.
    public func simulatePowerLoss(mode: PowerLossMode) {
        state.withLock { s in
            var survivors: [Int: Inode] = [:]
            for inode in Set(s.durableEntries.values) {
                guard let node = s.inodes[inode] else { continue }
                var m = mode
                if m == .mixed { m = [.dropUnsynced, .keepRandomPrefix, .garbleUnsynced][Int(s.rng.next() % 3)] }
                let bytes = Self.afterPowerLoss(node, mode: m, rng: &s.rng)
                survivors[inode] = Inode(data: bytes, synced: bytes)
            }
            s.inodes = survivors
            s.entries = s.durableEntries
            s.handles.removeAll()
            s.locks.removeAll()
            s.powerLosses += 1
            s.poweredOff = true
        }
    }

    /// Ends a simulated power loss: the file system works again (for the "rebooted" process).
    public func powerOn() { state.withLock { $0.poweredOff = false } }

    /// `simulatePowerLoss` then `powerOn`.
    public func simulatePowerLossAndReboot(mode: PowerLossMode) {
        simulatePowerLoss(mode: mode)
        powerOn()
    }

    static func afterPowerLoss(_ node: Inode, mode: PowerLossMode, rng: inout SplitMix64) -> [UInt8] {
        let d = node.data, s = node.synced
        if d == s { return s }
        var p = 0
        let limit = min(d.count, s.count)
        while p < limit, d[p] == s[p] { p += 1 }
        switch mode {
        case .dropUnsynced, .mixed:
            return s
        case .keepRandomPrefix:
            if p == s.count, d.count >= s.count {
                let k = s.count + Int(rng.next() % UInt64(d.count - s.count + 1))
                return Array(d[0..<k])
            }
            return rng.next() % 2 == 0 ? s : d
        case .garbleUnsynced:
            let length = rng.next() % 4 == 0 ? max(s.count, p) : d.count
            var out = Array(d[0..<min(p, d.count)])
            var offset = out.count
            while offset < length {
                let end = min(length, (offset / sectorSize + 1) * sectorSize)
                switch rng.next() % 3 {
                case 0: out += offset < d.count ? d[offset..<min(end, d.count)] : []
                        if out.count < end { out += repeatElement(0, count: end - out.count) }
                case 1: out += repeatElement(0, count: end - offset)
                default: for _ in offset..<end { out.append(UInt8(truncatingIfNeeded: rng.next())) }
                }
                offset = end
            }
            return out
        }
    }

    // MARK: test inspection and damage

    /// Current (possibly unsynced) bytes of a file.
    public func contents(of path: String) -> [UInt8]? {
        state.withLock { s in s.entries[Self.normalize(path)].flatMap { s.inodes[$0]?.data } }
    }

    /// Replaces a file's bytes (creating it), durably, as if written and fsynced long ago.
    public func setContents(of path: String, _ bytes: [UInt8]) {
        state.withLock { s in
            let p = Self.normalize(path)
            var dir = IOPath.directory(of: p)
            while !s.directories.contains(dir) {
                s.directories.insert(dir)
                let parent = IOPath.directory(of: dir)
                if parent == dir { break }
                dir = parent
            }
            let inode = s.entries[p] ?? { let i = s.nextInode; s.nextInode += 1; return i }()
            s.inodes[inode] = Inode(data: bytes, synced: bytes)
            s.entries[p] = inode
            s.durableEntries[p] = inode
        }
    }

    /// Paths of all files (not directories), sorted.
    public func allFiles() -> [String] { state.withLock { $0.entries.keys.sorted() } }

    // MARK: helpers

    func rawState<R>(_ body: (inout State) -> R) -> R { state.withLock { body(&$0) } }

    func withState<R>(_ body: (inout State) throws -> R) throws -> R {
        try state.withLock { s in
            if s.poweredOff { throw Self.ioError("machine is powered off (simulated power loss)", "/", EIO) }
            return try body(&s)
        }
    }

    static func normalize(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        let parts = path.split(separator: "/").filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    static func used(_ s: State) -> Int {
        Set(s.entries.values).union(s.handles.values.map(\.inode)).reduce(0) { $0 + (s.inodes[$1]?.data.count ?? 0) }
    }

    static func ioError(_ what: String, _ path: String, _ err: Int32, offset: Int64? = nil) -> LogError {
        PosixFileIO.error(what, path, err, offset: offset)
    }

    /// Counts the operation and throws if a fault is due.
    func tick(_ s: inout State, _ op: Operation, _ path: String) throws {
        let n = (s.counts[op] ?? 0) + 1
        s.counts[op] = n
        if let f = s.faults.first(where: { $0.operation == op && ($0.nth == n || ($0.persistent && n >= $0.nth)) }) {
            throw Self.ioError("injected \(op.rawValue) fault", path, f.errno)
        }
    }

    func handle(_ s: State, _ h: IOHandle) throws -> Int {
        guard let entry = s.handles[h.fd] else {
            throw Self.ioError("stale handle (closed, or lost in a power loss)", h.path, EBADF)
        }
        return entry.inode
    }

    func requireParent(_ s: State, _ path: String) throws {
        let dir = IOPath.directory(of: path)
        guard s.directories.contains(dir) else { throw Self.ioError("parent directory missing", path, ENOENT) }
    }
}
