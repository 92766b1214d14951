import AegisCore
import AegisLog

/// `aegis-backup.txt`: what a backup holds and how to check it (docs/operations.md "Backup").
/// A line format (no JSON dependency here), every line `key value`, file lines last:
///
/// ```
/// aegis-backup 1
/// created_at 1764081000000000
/// source /var/lib/aegis
/// embedding_model hash-384
/// dimension 384
/// snapshot_lsn 4096
/// snapshot_timestamp 1764080990000000
/// end_lsn 5120
/// end_timestamp 1764080999000000
/// file 1048576 9f3c…(16 hex XXH3-64) snapshots/snap-0000000000001000.snap
/// file 65536 0a1b… log/log-0000000000000007.seg
/// checksum <XXH3-64 of every byte before this line, 16 hex>
/// ```
/// The point-in-time window of a backup is [snapshot_lsn, end_lsn] (timestamps likewise).
public struct BackupManifest: Sendable, Equatable {
    public static let fileName = "aegis-backup.txt"
    public static let formatVersion = 1

    public struct File: Sendable, Equatable {
        /// Relative to the backup directory, `/`-separated.
        public var path: String
        public var size: Int64
        public var xxh3: UInt64
        public init(path: String, size: Int64, xxh3: UInt64) { self.path = path; self.size = size; self.xxh3 = xxh3 }
    }

    public var createdAt: Int64
    public var source: String
    public var embeddingModel: String?
    public var dimension: Int
    public var snapshotLSN: UInt64
    /// Commit time of the record at `snapshotLSN` (0 for the empty state).
    public var snapshotTimestamp: Int64
    public var endLSN: UInt64
    public var endTimestamp: Int64
    public var files: [File]

    public var totalBytes: Int64 { files.reduce(0) { $0 + $1.size } }

    public func encode() -> [UInt8] {
        var s = "aegis-backup \(Self.formatVersion)\n"
        s += "created_at \(createdAt)\n"
        s += "source \(source.replacing("\n", with: " "))\n"
        if let m = embeddingModel { s += "embedding_model \(m)\n" }
        s += "dimension \(dimension)\n"
        s += "snapshot_lsn \(snapshotLSN)\n"
        s += "snapshot_timestamp \(snapshotTimestamp)\n"
        s += "end_lsn \(endLSN)\n"
        s += "end_timestamp \(endTimestamp)\n"
        for f in files { s += "file \(f.size) \(Self.hex(f.xxh3)) \(f.path)\n" }
        var bytes = Array(s.utf8)
        bytes += Array("checksum \(Self.hex(Checksum.xxh3(bytes)))\n".utf8)
        return bytes
    }

    public static func decode(_ bytes: [UInt8], path: String) throws -> BackupManifest {
        func bad(_ why: String) -> AegisError { .corruption("backup manifest: \(why)", file: path) }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw bad("not UTF-8") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard let last = lines.last, last.hasPrefix("checksum ") else { throw bad("missing checksum line (truncated?)") }
        let bodyCount = bytes.count - (last.utf8.count + 1)
        guard bodyCount >= 0, let sum = UInt64(last.dropFirst(9), radix: 16),
              Checksum.xxh3(Array(bytes[0..<bodyCount])) == sum else { throw bad("checksum mismatch") }
        guard lines.first == "aegis-backup 1" else {
            if lines.first?.hasPrefix("aegis-backup ") == true {
                throw AegisError(.unsupportedVersion, "backup manifest version \(lines[0].dropFirst(13)) is newer than this build", location: .init(file: path))
            }
            throw bad("not an Aegis backup manifest")
        }
        var m = BackupManifest(createdAt: 0, source: "", embeddingModel: nil, dimension: 0, snapshotLSN: 0,
                               snapshotTimestamp: 0, endLSN: 0, endTimestamp: 0, files: [])
        for line in lines.dropFirst().dropLast() {
            guard let sp = line.firstIndex(of: " ") else { throw bad("malformed line '\(line.prefix(60))'") }
            let key = line[..<sp], value = String(line[line.index(after: sp)...])
            func int() throws -> Int64 { guard let v = Int64(value) else { throw bad("\(key) is not a number") }; return v }
            func uint() throws -> UInt64 { guard let v = UInt64(value) else { throw bad("\(key) is not a number") }; return v }
            switch key {
            case "created_at": m.createdAt = try int()
            case "source": m.source = value
            case "embedding_model": m.embeddingModel = value
            case "dimension": m.dimension = Int(try int())
            case "snapshot_lsn": m.snapshotLSN = try uint()
            case "snapshot_timestamp": m.snapshotTimestamp = try int()
            case "end_lsn": m.endLSN = try uint()
            case "end_timestamp": m.endTimestamp = try int()
            case "file":
                let parts = value.split(separator: " ", maxSplits: 2).map(String.init)
                guard parts.count == 3, let size = Int64(parts[0]), size >= 0, let sum = UInt64(parts[1], radix: 16),
                      !parts[2].isEmpty, !parts[2].hasPrefix("/"), !parts[2].split(separator: "/").contains("..") else {
                    throw bad("malformed file line '\(line.prefix(80))'")
                }
                m.files.append(File(path: parts[2], size: size, xxh3: sum))
            default: break   // unknown keys from a newer minor writer are ignored
            }
        }
        return m
    }

    static func hex(_ v: UInt64) -> String {
        let h = String(v, radix: 16)
        return String(repeating: "0", count: 16 - h.count) + h
    }
}
