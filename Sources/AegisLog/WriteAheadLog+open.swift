import Foundation

extension WriteAheadLog {
    /// Opens (or creates) the log in `directory`: takes the directory lock, removes `*.tmp`
    /// debris, verifies every segment, truncates a torn tail of the active segment (reported),
    /// refuses mid-log corruption (`corruption` with file, offset and LSN) and starts the writer.
    public static func open(directory: String, io: any FileIO, options: LogOptions = LogOptions()) throws -> (WriteAheadLog, LogRecoveryReport) {
        try open(directory: directory, io: io, options: options, replayFrom: .max, replay: nil)
    }

    /// As `open`, and hands every record with LSN ≥ `replayFrom` to `replay` during the same
    /// pass (the view's payload is only valid inside the call). An error thrown by `replay`
    /// aborts the open and is rethrown.
    public static func open(directory: String, io: any FileIO, options: LogOptions = LogOptions(), replayFrom: UInt64,
                            replay: ((LogRecordView) throws -> Void)?) throws -> (WriteAheadLog, LogRecoveryReport) {
        try options.validate()
        try io.makeDirectory(directory)
        let lockHandle = options.lockDirectory ? try io.lockExclusive(IOPath.join(directory, LogFormat.lockFileName)) : nil
        do {
            var report = LogRecoveryReport()
            let listing = try LogDirectoryListing.read(io, directory)
            for name in listing.temporaries {
                try io.unlink(IOPath.join(directory, name))
                report.removedTemporaryFiles.append(name)
            }
            if !listing.temporaries.isEmpty { try io.fsyncDirectory(directory) }

            var walker = LogWalker(io: io, directory: directory, mode: .writer, maxRecordSize: options.maxRecordSize)
            walker.fromLSN = replayFrom
            let result = try walker.walk(replay.map { body in { view in try body(view); return true } })
            report.replayedRecords = result.delivered

            if let tail = result.tail, tail.fileSize > tail.validEnd {
                let h = try io.open(tail.path, mode: .readWrite)
                defer { try? io.close(h) }
                try io.ftruncate(h, to: tail.validEnd)
                try io.fdatasync(h)
                report.truncatedBytes = tail.fileSize - tail.validEnd
                report.truncatedFile = tail.path
                report.truncatedOffset = tail.validEnd
                report.truncationReason = tail.reason
                report.droppedValidRecords = tail.droppedValidRecords
            }

            var active: ActiveSegment
            if let last = result.segments.last {
                let h = try io.open(last.path, mode: .readWrite)
                do {
                    // Make what an earlier process wrote (perhaps under fsync=off) durable, so
                    // every synced-through value this writer records is true.
                    try io.fdatasync(h)
                } catch {
                    try? io.close(h)
                    throw error
                }
                active = ActiveSegment(handle: h, number: last.number, path: last.path, firstLSN: last.firstLSN,
                                       size: last.validBytes, syncedSize: last.validBytes, nextLSN: last.lastLSN + 1,
                                       lastTimestamp: result.lastTimestamp, recordCount: last.recordCount,
                                       firstTimestamp: last.firstTimestamp, segmentLastTimestamp: last.lastTimestamp,
                                       sealed: Array(result.segments.dropLast()))
            } else {
                let (h, path) = try createSegment(io: io, directory: directory, number: 1, firstLSN: options.firstLSN)
                active = ActiveSegment(handle: h, number: 1, path: path, firstLSN: options.firstLSN,
                                       size: Int64(LogFormat.segmentHeaderSize), syncedSize: Int64(LogFormat.segmentHeaderSize),
                                       nextLSN: options.firstLSN, lastTimestamp: 0, sealed: [])
            }
            report.segmentCount = active.sealed.count + 1
            report.recordCount = active.sealed.reduce(active.recordCount) { $0 + $1.recordCount }
            report.firstLSN = active.sealed.first?.firstLSN ?? active.firstLSN
            report.lastLSN = active.nextLSN - 1

            let log = WriteAheadLog(directory: directory, io: io, options: options, active: active, lockHandle: lockHandle)
            log.startFlusher()
            return (log, report)
        } catch {
            if let lockHandle { try? io.close(lockHandle) }
            throw error
        }
    }

    /// Creates segment `number` crash-safely: `.tmp`, header, fsync, rename, directory fsync.
    /// Returns a writable handle positioned after the header.
    static func createSegment(io: any FileIO, directory: String, number: UInt64, firstLSN: UInt64) throws -> (IOHandle, String) {
        let path = IOPath.join(directory, LogFormat.segmentFileName(number))
        let tmp = path + LogFormat.tempSuffix
        let h = try io.open(tmp, mode: .createTruncate)
        do {
            try io.pwrite(h, SegmentHeader(segmentNumber: number, firstLSN: firstLSN).encode(), at: 0)
            try io.fsync(h)
            try io.rename(tmp, to: path)
        } catch {
            try? io.close(h)
            try? io.unlink(tmp)
            throw error
        }
        do {
            try io.fsyncDirectory(directory)
        } catch {
            try? io.close(h)
            throw error
        }
        return (IOHandle(fd: h.fd, path: path), path)
    }

    func startFlusher() {
        let thread = Thread { [self] in self.runFlusher() }
        thread.name = "aegis-log-flusher"
        thread.start()
    }
}
