import AegisLog

/// Every on-disk constant of AegisStorage, mirroring docs/format-storage.md (sections in
/// brackets). A change here is a format-version change.
public enum StorageFormat {
    // [1] Data directory
    public static let lockFileName = "LOCK"
    public static let manifestFileName = "CURRENT"
    public static let snapshotDirectory = "snapshots"
    public static let logDirectory = "log"
    public static let archiveDirectory = "archive"
    public static let tempSuffix = LogFormat.tempSuffix
    public static let snapshotPrefix = "snap-"
    public static let snapshotSuffix = ".snap"

    // [3] Payloads
    public static let payloadVersion: UInt8 = 1
    /// Most events in one batch record.
    public static let maxBatchEvents = 100_000
    /// JSON nesting deeper than this is corruption (decoder) / invalid (writer).
    public static let maxJSONDepth = 128

    // [4] Snapshot
    public static let snapshotMagic: [UInt8] = Array("AEGISSNP".utf8)
    public static let snapshotEndMagic: [UInt8] = Array("AEGISEND".utf8)
    public static let snapshotVersion: UInt16 = 1
    public static let snapshotHeaderSize = 128
    public static let snapshotHeaderChecksumOffset = 120
    public static let snapshotTrailerSize = 64
    public static let snapshotTrailerChecksumOffset = 56
    public static let sectionEntrySize = 48
    public static let maxSections = 16
    public static let sectionAlignment = 64
    public static let blockHeaderSize = 32
    /// Raw bytes per record block the writer aims for.
    public static let targetBlockSize = 1 << 20
    /// A block claiming more raw bytes than this is corruption.
    public static let maxBlockRawSize = 16 << 20
    public static let maxModelNameBytes = 64
    public static let flagBlockLZ4: UInt32 = 1

    // [5] Manifest
    public static let manifestMagic: [UInt8] = Array("AEGISMAN".utf8)
    public static let manifestVersion: UInt16 = 1
    public static let manifestHeaderSize = 24
    public static let manifestEntrySize = 32
    public static let maxManifestEntries = 8

    /// `snap-00000000000000ff.snap`
    public static func snapshotFileName(lsn: UInt64) -> String {
        let hex = String(lsn, radix: 16)
        return snapshotPrefix + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + snapshotSuffix
    }

    /// The LSN in a snapshot file name, or nil when the name is not one.
    public static func snapshotLSN(fromFileName name: String) -> UInt64? {
        guard name.hasPrefix(snapshotPrefix), name.hasSuffix(snapshotSuffix) else { return nil }
        let hex = name.dropFirst(snapshotPrefix.count).dropLast(snapshotSuffix.count)
        guard hex.count == 16, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return UInt64(hex, radix: 16)
    }
}

/// Section kinds of a snapshot [4].
public enum SnapshotSectionKind: UInt32, Sendable, CaseIterable {
    case memories = 1, votes = 2, sessions = 3, features = 4, vectors = 5, index = 6
}

/// Log record types [3].
public enum StoreRecordType: UInt8, Sendable, CaseIterable {
    case config = 1
    case memoryPut = 2
    case memoryUpdate = 3
    case memoryDeprecate = 4
    case memoryDelete = 5
    case vote = 6
    case sessionCreate = 7
    case sessionPatch = 8
    case featureCreate = 9
    case featurePatch = 10
    case batch = 32
}
