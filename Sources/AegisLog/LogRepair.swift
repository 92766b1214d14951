/// What `LogRepair.repair` did.
public struct RepairReport: Sendable, Equatable {
    /// False when the log was already valid (nothing moved, nothing truncated).
    public var repaired = false
    /// The corruption (or torn tail) that was repaired.
    public var problem: String?
    /// The log now ends at this LSN (everything through it was kept).
    public var salvagedThroughLSN: UInt64 = 0
    /// Files written to `quarantine/` (cut-off tails and whole later segments), as paths.
    public var quarantined: [String] = []
    /// Bytes moved to quarantine.
    public var quarantinedBytes: Int64 = 0
    /// Temporary debris removed.
    public var removedTemporaryFiles: [String] = []
}

/// Offline repair (no writer may run: it takes the directory lock). Keeps the valid prefix of
/// the log, moves every byte after the first bad record to `quarantine/` (nothing is deleted)
/// and fsyncs, so the log opens again. See docs/format.md §6.
public enum LogRepair {
    public static func repair(directory: String, io: any FileIO,
                              maxRecordSize: Int = LogFormat.defaultMaxRecordSize) throws -> RepairReport {
        let lock = try io.lockExclusive(IOPath.join(directory, LogFormat.lockFileName))
        defer { try? io.close(lock) }
        var report = RepairReport()
        let listing = try LogDirectoryListing.read(io, directory)
        for name in listing.temporaries {
            try io.unlink(IOPath.join(directory, name))
            report.removedTemporaryFiles.append(name)
        }
        let walker = LogWalker(io: io, directory: directory, mode: .repair, maxRecordSize: maxRecordSize)
        let result = try walker.walk(nil)
        let quarantine = IOPath.join(directory, LogFormat.quarantineDirectory)
        let stamp = String(Clock.wallMicros())

        if let corruption = result.corruption, let index = result.corruptSegmentIndex {
            report.repaired = true
            report.problem = corruption.description
            try io.makeDirectory(quarantine)
            let segs = listing.segments
            // The damaged segment: keep the valid prefix if its header is fine, else move it whole.
            var firstWhole = index
            if let info = result.segments.first(where: { $0.number == segs[index].number }),
               corruption.file == info.path, let offset = corruption.offset, offset >= Int64(LogFormat.segmentHeaderSize) {
                try cutTail(io: io, path: info.path, at: info.validBytes, quarantine: quarantine, stamp: stamp, &report)
                firstWhole = index + 1
            }
            for s in segs[firstWhole...] {
                let from = IOPath.join(directory, s.name)
                let to = IOPath.join(quarantine, s.name + "." + stamp)
                report.quarantinedBytes += (try io.fileSize(atPath: from)) ?? 0
                try io.rename(from, to: to)
                report.quarantined.append(to)
            }
            try io.fsyncDirectory(quarantine)
            try io.fsyncDirectory(directory)
        } else if let tail = result.tail, tail.fileSize > tail.validEnd {
            report.repaired = true
            report.problem = "torn tail: \(tail.reason)"
            try io.makeDirectory(quarantine)
            try cutTail(io: io, path: tail.path, at: tail.validEnd, quarantine: quarantine, stamp: stamp, &report)
            try io.fsyncDirectory(quarantine)
        }
        if !report.removedTemporaryFiles.isEmpty { try io.fsyncDirectory(directory) }
        // What is left must now read cleanly.
        let after = try LogWalker(io: io, directory: directory, mode: .writer, maxRecordSize: maxRecordSize).walk(nil)
        report.salvagedThroughLSN = after.segments.last?.lastLSN ?? 0
        return report
    }

    /// Copies `[offset, end)` of `path` to quarantine (fsynced), then truncates `path` there.
    static func cutTail(io: any FileIO, path: String, at offset: Int64, quarantine: String, stamp: String,
                        _ report: inout RepairReport) throws {
        let h = try io.open(path, mode: .readWrite)
        defer { try? io.close(h) }
        let size = try io.fileSize(h)
        guard size > offset else { return }
        let target = IOPath.join(quarantine, IOPath.fileName(of: path) + ".from-\(offset)." + stamp)
        let out = try io.open(target, mode: .createTruncate)
        defer { try? io.close(out) }
        var at = offset
        while at < size {
            let chunk = try io.pread(h, count: Int(min(1 << 20, size - at)), at: at)
            if chunk.isEmpty { break }
            try io.pwrite(out, chunk, at: at - offset)
            at += Int64(chunk.count)
        }
        try io.fsync(out)
        try io.ftruncate(h, to: offset)
        try io.fsync(h)
        report.quarantined.append(target)
        report.quarantinedBytes += size - offset
    }
}
