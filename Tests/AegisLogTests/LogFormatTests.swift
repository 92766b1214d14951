import Testing
@testable import AegisLog

@Suite struct LogFormatTests {
    @Test func headerSizesMatchTheDocument() {
        #expect(LogFormat.segmentHeaderSize == 40)
        #expect(LogFormat.recordHeaderSize == 40)
        #expect(SegmentHeader(segmentNumber: 9, firstLSN: 77).encode().count == LogFormat.segmentHeaderSize)
        #expect(craftRecord(lsn: 1, type: 1, payload: []).count == LogFormat.recordHeaderSize)
    }

    @Test func segmentHeaderRoundTrip() throws {
        let h = SegmentHeader(segmentNumber: 0x1234_5678_9ABC, firstLSN: 42)
        let bytes = h.encode()
        #expect(try bytes.withUnsafeBytes { try SegmentHeader.decode($0) } == h)
    }

    @Test func segmentFileNames() {
        #expect(LogFormat.segmentFileName(1) == "log-0000000000000001.seg")
        #expect(LogFormat.segmentFileName(0xABCDEF) == "log-0000000000abcdef.seg")
        #expect(LogFormat.segmentNumber(fromFileName: "log-0000000000abcdef.seg") == 0xABCDEF)
        for bad in ["log-1.seg", "log-0000000000ABCDEF.seg", "log-0000000000000001.seg.tmp", "x-0000000000000001.seg", "log-000000000000000g.seg"] {
            #expect(LogFormat.segmentNumber(fromFileName: bad) == nil, "\(bad)")
        }
    }

    @Test func newerVersionIsUnsupported() {
        var bytes = SegmentHeader(segmentNumber: 1, firstLSN: 1).encode()
        bytes[8] = 2
        bytes.withUnsafeMutableBytes { p in
            LE.put(Checksum.xxh3(UnsafeRawBufferPointer(rebasing: p[0..<32])), p, 32)
        }
        let error = #expect(throws: LogError.self) { try bytes.withUnsafeBytes { _ = try SegmentHeader.decode($0) } }
        #expect(error?.code == .unsupportedVersion)
    }

    /// docs/format.md §8, byte by byte.
    @Test func workedExampleBytes() {
        let header = SegmentHeader(segmentNumber: 1, firstLSN: 1).encode()
        let record = craftRecord(lsn: 1, type: 3, payload: Array("hello".utf8), syncedThrough: 40, timestamp: 1_700_000_000_000_000)
        let expectedHeader: [UInt8] = [0x41, 0x45, 0x47, 0x49, 0x53, 0x4c, 0x4f, 0x47, 0x01, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0x00,
                                       0x01, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0]
        #expect(Array(header[0..<32]) == expectedHeader)
        let expectedRecord: [UInt8] = [0x05, 0, 0, 0, 0x05, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0,
                                       0x00, 0x40, 0x1e, 0x18, 0x24, 0x0a, 0x06, 0x00, 0x28, 0, 0, 0, 0x03, 0, 0, 0,
                                       0x68, 0x65, 0x6c, 0x6c, 0x6f]
        #expect(record.count == 45)
        #expect(Array(record[8...]) == expectedRecord)
        let hsum = header.withUnsafeBytes { LE.u64($0, 32) }
        let rsum = record.withUnsafeBytes { LE.u64($0, 0) }
        #expect(hsum == Checksum.xxh3(Array(header[0..<32])))
        #expect(rsum == Checksum.xxh3(Array(record[8...])))
        #expect(Array(header[32..<40]) == [0x8e, 0x95, 0xec, 0xc6, 0xce, 0xdb, 0x8b, 0xcb])
        #expect(Array(record[0..<8]) == [0xd4, 0x1b, 0xf4, 0x59, 0x74, 0x04, 0x01, 0xd4])
        print("WORKED_HEADER_CHECKSUM", header[32..<40].map { String($0, radix: 16) }, "WORKED_RECORD_CHECKSUM", record[0..<8].map { String($0, radix: 16) })
    }

    @Test(arguments: ["always", "off", "interval=5", "interval=1000", "ALWAYS"])
    func fsyncPolicyParses(_ text: String) throws {
        let p = try FsyncPolicy(parsing: text)
        #expect(p.description == text.lowercased())
    }

    @Test(arguments: ["", "sometimes", "interval=", "interval=0", "interval=-5", "interval=99999999", "interval=abc"])
    func fsyncPolicyRejects(_ text: String) {
        #expect(throws: LogError.self) { _ = try FsyncPolicy(parsing: text) }
    }

    @Test func optionsValidate() {
        #expect(throws: Never.self) { try LogOptions().validate() }
        var o = LogOptions(); o.segmentSize = 100
        #expect(throws: LogError.self) { try o.validate() }
        o = LogOptions(); o.maxRecordSize = (1 << 30) + 1
        #expect(throws: LogError.self) { try o.validate() }
        o = LogOptions(); o.firstLSN = 0
        #expect(throws: LogError.self) { try o.validate() }
    }
}
