import AegisHNSW
import AegisLog
import AegisStorage
import Foundation

/// The on-disk format versions of a data directory (docs/format-storage.md §6, docs/format.md):
/// what `aegis-memory migrate` reports and upgrades. Read-only: takes no lock, changes nothing.
public enum StoreFormat {
    /// A versioned part of the store.
    public enum Component: String, Sendable, Hashable, CaseIterable, Comparable {
        case manifest, snapshot, logSegment = "log_segment", recordPayload = "record_payload"
        case indexSection = "index_section", hnswGraph = "hnsw_graph"

        /// The version this binary writes (and the highest it reads).
        public var currentVersion: Int {
            switch self {
            case .manifest: Int(StorageFormat.manifestVersion)
            case .snapshot: Int(StorageFormat.snapshotVersion)
            case .logSegment: Int(LogFormat.formatVersion)
            case .recordPayload: Int(StorageFormat.payloadVersion)
            case .indexSection: Int(IndexSection.versionWithParameters)
            case .hnswGraph: Int(HNSWIndex.encodingVersion)
            }
        }
        /// Older versions this binary still writes, so they are current too (not upgraded):
        /// index section v1 is the variant without pinned HNSW parameters (v2 adds them after
        /// `rebuild-index`; docs/format-storage.md).
        public var alsoCurrent: Set<Int> {
            switch self {
            case .indexSection: [Int(IndexSection.version)]
            default: []
            }
        }
        public static func < (a: Component, b: Component) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public struct Finding: Sendable, Hashable {
        public enum Status: String, Sendable { case current, older, newer }
        /// Path relative to the data directory (`snapshots/snap-….snap`, `log/log-….seg`).
        public var file: String
        public var component: Component
        public var version: Int
        /// How many items carry this version (record payloads: records; graphs: projects).
        public var count: Int = 1
        public var status: Status {
            version == component.currentVersion || component.alsoCurrent.contains(version) ? .current
                : version < component.currentVersion ? .older : .newer
        }
    }

    public struct Report: Sendable {
        public var dataDirectory: String
        public var findings: [Finding] = []
        /// Files that are not what their name says (bad magic, too short): `verify`/`repair` territory.
        public var unreadable: [(file: String, reason: String)] = []
        /// Things worth saying that block nothing.
        public var notes: [String] = []
        public var newer: [Finding] { findings.filter { $0.status == .newer } }
        public var older: [Finding] { findings.filter { $0.status == .older } }
        public var isCurrent: Bool { newer.isEmpty && older.isEmpty && unreadable.isEmpty }
        /// Every version seen per component (for the upgrade plan).
        public var versions: [Component: Set<Int>] {
            var out: [Component: Set<Int>] = [:]
            for f in findings { out[f.component, default: []].insert(f.version) }
            return out
        }
    }

    /// Reads the version of every file of the data directory. Throws only when the directory
    /// cannot be listed; per-file problems go to `unreadable`.
    public static func inspect(dataDirectory dir: String) throws -> Report {
        var report = Report(dataDirectory: dir)
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw EngineError(.notFound, "\(dir) is not a directory")
        }
        func header(_ rel: String, magic: [UInt8], _ component: Component) -> Int? {
            guard let h = FileHandle(forReadingAtPath: dir + "/" + rel) else { report.unreadable.append((rel, "cannot open")); return nil }
            defer { try? h.close() }
            let b = [UInt8]((try? h.read(upToCount: 10)) ?? Data())
            guard b.count == 10, Array(b[0..<8]) == magic else { report.unreadable.append((rel, "not a \(component.rawValue) file (bad magic or too short)")); return nil }
            let v = Int(b[8]) | Int(b[9]) << 8
            report.findings.append(Finding(file: rel, component: component, version: v))
            return v
        }
        if fm.fileExists(atPath: dir + "/" + StorageFormat.manifestFileName) {
            _ = header(StorageFormat.manifestFileName, magic: StorageFormat.manifestMagic, .manifest)
        }
        let snaps = ((try? fm.contentsOfDirectory(atPath: dir + "/" + StorageFormat.snapshotDirectory)) ?? [])
            .filter { StorageFormat.snapshotLSN(fromFileName: $0) != nil }.sorted()
        for name in snaps {
            let rel = StorageFormat.snapshotDirectory + "/" + name
            if header(rel, magic: StorageFormat.snapshotMagic, .snapshot) == Component.snapshot.currentVersion {
                inspectIndex(dir, rel, &report)
            }
        }
        var logCurrent = true
        for sub in [StorageFormat.logDirectory, StorageFormat.archiveDirectory] {
            let names = ((try? fm.contentsOfDirectory(atPath: dir + "/" + sub)) ?? [])
                .filter { LogFormat.segmentNumber(fromFileName: $0) != nil }.sorted()
            for name in names {
                let v = header(sub + "/" + name, magic: LogFormat.segmentMagic, .logSegment)
                if sub == StorageFormat.logDirectory && v != Component.logSegment.currentVersion { logCurrent = false }
            }
        }
        // Record payload versions (first payload byte), only when this binary can read the segments.
        if logCurrent, fm.fileExists(atPath: dir + "/" + StorageFormat.logDirectory) {
            var byVersion: [Int: Int] = [:]
            do {
                try LogReader.scan(directory: dir + "/" + StorageFormat.logDirectory, io: PosixFileIO()) { r in
                    let v = r.payload.isEmpty ? 0 : Int(r.payload[0])
                    byVersion[v, default: 0] += 1
                }
            } catch {
                report.unreadable.append((StorageFormat.logDirectory, "log cannot be read: \(error)"))
            }
            for (v, n) in byVersion.sorted(by: { $0.key < $1.key }) {
                report.findings.append(Finding(file: StorageFormat.logDirectory, component: .recordPayload, version: v, count: n))
            }
        }
        return report
    }

    /// The index section (kind 6) of a current-version snapshot: its own version and the version
    /// of every per-project HNSW graph inside it.
    static func inspectIndex(_ dir: String, _ rel: String, _ report: inout Report) {
        guard let h = FileHandle(forReadingAtPath: dir + "/" + rel) else { return }
        defer { try? h.close() }
        guard let size = try? h.seekToEnd(), size >= 128 + 64 else { return }
        func read(_ at: UInt64, _ n: Int) -> [UInt8]? {
            guard (try? h.seek(toOffset: at)) != nil, let d = try? h.read(upToCount: n), d.count == n else { return nil }
            return [UInt8](d)
        }
        func u64(_ b: [UInt8], _ o: Int) -> UInt64 { (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[o + $1]) << (8 * $1) } }
        func u32(_ b: [UInt8], _ o: Int) -> UInt32 { (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[o + $1]) << (8 * $1) } }
        guard let trailer = read(size - 64, 64) else { return }
        let tableOffset = u64(trailer, 0), count = Int(u32(trailer, 16))
        guard count <= StorageFormat.maxSections, tableOffset + UInt64(count * 48) <= size,
              let table = read(tableOffset, count * 48) else { return }
        for k in 0..<count where u32(table, k * 48) == 6 {
            let offset = u64(table, k * 48 + 8), length = u64(table, k * 48 + 16)
            guard offset + length <= size, length >= 12 else { return }
            var r = SectionReader(handle: h, position: offset, end: offset + length)
            guard r.bytes(4) == IndexSection.magic, let v = r.u32() else {
                // Opaque to storage; the engine ignores what it cannot decode and rebuilds.
                report.notes.append("\(rel): the index section is not an AegisEngine index (the engine rebuilds the index at open)"); return
            }
            report.findings.append(Finding(file: rel, component: .indexSection, version: Int(v)))
            let known = Int(v) == Component.indexSection.currentVersion || Component.indexSection.alsoCurrent.contains(Int(v))
            // Version 2 carries u32 m, u32 ef_construction before the project count.
            if v == IndexSection.versionWithParameters { guard r.skip(8) else { return } }
            guard known, let projects = r.u32() else { return }
            var graphVersions: [Int: Int] = [:]
            for _ in 0..<projects {
                guard let nameLength = r.u32(), r.skip(UInt64(nameLength)), let slots = r.u32() else { return }
                for _ in 0..<slots {
                    guard let present = r.bytes(1) else { return }
                    if present[0] == 1 { guard let n = r.u32(), r.skip(UInt64(n)) else { return } }
                }
                guard let graphBytes = r.u64() else { return }
                if graphBytes >= 10, let head = r.bytes(10) {
                    graphVersions[Int(head[8]) | Int(head[9]) << 8, default: 0] += 1
                    guard r.skip(graphBytes - 10) else { return }
                } else if !r.skip(graphBytes) { return }
            }
            for (gv, n) in graphVersions.sorted(by: { $0.key < $1.key }) {
                report.findings.append(Finding(file: rel, component: .hnswGraph, version: gv, count: n))
            }
        }
    }

    /// Sequential little-endian reads from a file region, buffered (1 MiB).
    struct SectionReader {
        let handle: FileHandle
        var position: UInt64
        let end: UInt64
        var buffer: [UInt8] = []
        var cursor = 0

        mutating func bytes(_ n: Int) -> [UInt8]? {
            guard UInt64(n) <= end - position + UInt64(buffer.count - cursor) else { return nil }
            while buffer.count - cursor < n {
                let want = Int(min(UInt64(1 << 20), end - position))
                guard want > 0, (try? handle.seek(toOffset: position)) != nil, let d = try? handle.read(upToCount: want), !d.isEmpty else { return nil }
                buffer = Array(buffer[cursor...]) + d
                cursor = 0
                position += UInt64(d.count)
            }
            defer { cursor += n }
            return Array(buffer[cursor..<cursor + n])
        }
        mutating func skip(_ n: UInt64) -> Bool {
            let inBuffer = UInt64(buffer.count - cursor)
            if n <= inBuffer { cursor += Int(n); return true }
            guard n - inBuffer <= end - position else { return false }
            position += n - inBuffer
            buffer = []; cursor = 0
            return true
        }
        mutating func u32() -> UInt32? { bytes(4).map { b in (0..<4).reduce(UInt32(0)) { $0 | UInt32(b[$1]) << (8 * $1) } } }
        mutating func u64() -> UInt64? { bytes(8).map { b in (0..<8).reduce(UInt64(0)) { $0 | UInt64(b[$1]) << (8 * $1) } } }
    }
}
