/// Every on-disk constant of the log, mirroring docs/format.md (sections in brackets).
/// A change here is a format-version change.
public enum LogFormat {
    // [3] Segment header
    /// ASCII "AEGISLOG".
    public static let segmentMagic: [UInt8] = Array("AEGISLOG".utf8)
    public static let formatVersion: UInt16 = 1
    public static let segmentHeaderSize = 40
    /// The header checksum covers bytes 0..<segmentHeaderChecksumOffset.
    public static let segmentHeaderChecksumOffset = 32

    // [4] Record header
    public static let recordHeaderSize = 40
    /// Record field offsets inside the 40-byte record header.
    enum RecordField {
        static let checksum = 0
        static let storedLength = 8
        static let rawLength = 12
        static let lsn = 16
        static let timestamp = 24
        static let syncedThrough = 32
        static let type = 36
        static let flags = 37
        static let reserved = 38
        /// The checksum covers header bytes checksummedFrom..<recordHeaderSize, then the payload.
        static let checksummedFrom = 8
    }
    /// Application record types are 1...127; 0 and 128...255 are invalid in version 1.
    public static let validRecordTypes: ClosedRange<UInt8> = 1...127
    public static let flagLZ4: UInt8 = 0x01
    public static let knownFlags: UInt8 = flagLZ4

    // [4] Limits
    public static let defaultMaxRecordSize = 64 << 20
    public static let hardMaxRecordSize = 1 << 30
    public static let defaultSegmentSize = 64 << 20
    public static let maxSegmentSize = 1 << 30
    public static let minSegmentSize = 4096
    public static let defaultCompressionThreshold = 512

    // [2] Directory
    public static let segmentPrefix = "log-"
    public static let segmentSuffix = ".seg"
    public static let tempSuffix = ".tmp"
    public static let lockFileName = "LOCK"
    public static let quarantineDirectory = "quarantine"

    /// `log-0000000000000001.seg`
    public static func segmentFileName(_ number: UInt64) -> String {
        let hex = String(number, radix: 16)
        return segmentPrefix + String(repeating: "0", count: max(0, 16 - hex.count)) + hex + segmentSuffix
    }

    /// The segment number encoded in a file name, or nil if the name is not a segment name.
    public static func segmentNumber(fromFileName name: String) -> UInt64? {
        guard name.hasPrefix(segmentPrefix), name.hasSuffix(segmentSuffix) else { return nil }
        let hex = name.dropFirst(segmentPrefix.count).dropLast(segmentSuffix.count)
        guard hex.count == 16, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        return UInt64(hex, radix: 16)
    }
}
