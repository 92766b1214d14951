/// What a log directory holds, by name (docs/format.md §2).
struct LogDirectoryListing {
    var segments: [(number: UInt64, name: String)] = []
    /// `*.tmp` debris.
    var temporaries: [String] = []

    static func read(_ io: any FileIO, _ directory: String) throws -> LogDirectoryListing {
        var listing = LogDirectoryListing()
        for name in try io.listDirectory(directory) {
            if name.hasSuffix(LogFormat.tempSuffix) {
                listing.temporaries.append(name)
            } else if let n = LogFormat.segmentNumber(fromFileName: name) {
                listing.segments.append((n, name))
            }
        }
        listing.segments.sort { $0.number < $1.number }
        return listing
    }
}

/// The end of the valid log in the active segment, when bytes after it are not valid.
struct TornTail {
    var path: String
    var validEnd: Int64
    var fileSize: Int64
    var droppedValidRecords: Int
    var reason: String
}

/// One pass over a log directory shared by the writer's open, `LogReader` and `LogRepair`.
struct LogWalker {
    enum Mode { case writer, reader, repair }

    struct Result {
        var segments: [LogSegmentInfo] = []
        /// The LSN the next record gets (first LSN of the oldest segment if the log is empty).
        var nextLSN: UInt64 = 0
        var lastTimestamp: Int64 = 0
        var tail: TornTail?
        /// Repair mode: the first corruption, and the index of its segment.
        var corruption: LogError?
        var corruptSegmentIndex: Int?
        var delivered = 0
        var stoppedEarly = false
    }

    let io: any FileIO
    let directory: String
    let mode: Mode
    let maxRecordSize: Int
    var fromLSN: UInt64 = 0
    var throughLSN: UInt64 = .max

    func walk(_ body: ((LogRecordView) throws -> Bool)?) throws -> Result {
        var result = Result()
        let listing = try LogDirectoryListing.read(io, directory)
        var segs = listing.segments
        // Headers first: cheap, lets a reader skip whole segments below fromLSN.
        var headers: [SegmentHeader?] = []
        for (k, s) in segs.enumerated() {
            let path = IOPath.join(directory, s.name)
            do {
                let h = try io.open(path, mode: .readOnly)
                defer { try? io.close(h) }
                let bytes = try io.pread(h, count: LogFormat.segmentHeaderSize, at: 0)
                let header = try bytes.withUnsafeBytes { try SegmentHeader.decode($0) }
                guard header.segmentNumber == s.number else {
                    throw LogError(.corruption, "segment header says number \(header.segmentNumber), file name says \(s.number)", offset: 16)
                }
                headers.append(header)
            } catch var e as LogError {
                if e.code == .notFound, mode == .reader, headers.allSatisfy({ $0 == nil }) {
                    // Removed by the writer (after a snapshot) since we listed the directory.
                    headers.append(nil)
                    continue
                }
                e.file = path
                if e.offset == nil { e.offset = 0 }
                _ = try fail(e, segmentIndex: k, &result)
                return result
            }
        }
        // Drop segments that vanished before the first readable one.
        while let first = headers.first, first == nil {
            headers.removeFirst()
            segs.removeFirst()
        }
        var expected: UInt64? = nil
        for (k, s) in segs.enumerated() {
            let path = IOPath.join(directory, s.name)
            let header = headers[k]!
            let isLast = k == segs.count - 1
            if k > 0, s.number != segs[k - 1].number + 1 {
                let missing = IOPath.join(directory, LogFormat.segmentFileName(segs[k - 1].number + 1))
                if try fail(LogError(.corruption, "segment file missing (found \(s.name) after \(segs[k - 1].name))", file: missing, offset: 0, lsn: expected), segmentIndex: k, &result) { return result }
            }
            if let e = expected, header.firstLSN != e {
                if try fail(LogError(.corruption, "segment starts at LSN \(header.firstLSN) but the previous segment ends at LSN \(e - 1)", file: path, offset: 24, lsn: e), segmentIndex: k, &result) { return result }
            }
            expected = header.firstLSN
            if result.segments.isEmpty { result.nextLSN = header.firstLSN }
            // A reader may skip a sealed segment that ends below fromLSN.
            if mode == .reader, !isLast, headers[k + 1]!.firstLSN <= fromLSN {
                let last = headers[k + 1]!.firstLSN - 1
                let size = (try io.fileSize(atPath: path)) ?? 0
                result.segments.append(LogSegmentInfo(number: s.number, fileName: s.name, path: path, firstLSN: header.firstLSN,
                    lastLSN: last, recordCount: Int(last + 1 - header.firstLSN), firstTimestamp: nil, lastTimestamp: nil,
                    validBytes: size, isActive: false))
                expected = last + 1
                result.nextLSN = last + 1
                continue
            }
            let stop = try walkSegment(k, s.number, s.name, path, header, isLast: isLast, expected: &expected!, &result, body)
            if stop { return result }
        }
        return result
    }

    /// Throws `error` (writer/reader) or records it (repair). Returns true when the walk must stop.
    func fail(_ error: LogError, segmentIndex: Int, _ result: inout Result) throws -> Bool {
        guard mode == .repair else { throw error }
        result.corruption = error
        result.corruptSegmentIndex = segmentIndex
        return true
    }
}
