import AegisCore
import AegisLog

/// Recovery = newest usable snapshot + log replay (docs/format-storage.md §1).
struct Recovery {
    let io: any FileIO
    let directory: String
    let options: StoreOptions
    /// A snapshot the caller already loaded (`StoreVerifier`): used instead of reading that
    /// file again when recovery chooses its LSN. Its state becomes the recovered state.
    var preloaded: SnapshotReader.Loaded? = nil

    var logDirectory: String { IOPath.join(directory, StorageFormat.logDirectory) }
    var snapshotDirectory: String { IOPath.join(directory, StorageFormat.snapshotDirectory) }

    struct Result {
        var state: StoreState
        var wal: WriteAheadLog?
    }

    /// Snapshot candidates in the order they are tried: `CURRENT` entries, then other snapshot
    /// files newest first. Problems found on the way are appended to `notes`.
    static func candidates(io: any FileIO, directory: String, notes: inout [String]) throws -> [UInt64] {
        let snapDir = IOPath.join(directory, StorageFormat.snapshotDirectory)
        let manifestPath = IOPath.join(directory, StorageFormat.manifestFileName)
        var order: [UInt64] = []
        if io.fileExists(manifestPath) {
            do {
                let bytes = try io.readWholeFile(manifestPath, maxSize: 1 << 16).bytes
                order = try Manifest.decode(bytes, path: manifestPath).entries.map(\.lsn)
            } catch let e as AegisError where e.code == .unsupportedVersion {
                throw e
            } catch {
                notes.append("\(StorageFormat.manifestFileName): \(Store.map(error).message); scanning \(StorageFormat.snapshotDirectory)/ instead")
            }
        }
        let files = io.isDirectory(snapDir) ? try io.listDirectory(snapDir).compactMap(StorageFormat.snapshotLSN(fromFileName:)) : []
        for lsn in order where !files.contains(lsn) {
            notes.append("\(StorageFormat.snapshotDirectory)/\(StorageFormat.snapshotFileName(lsn: lsn)) listed in \(StorageFormat.manifestFileName) is missing")
        }
        var result = order.filter { files.contains($0) }
        for lsn in files.sorted(by: >) where !result.contains(lsn) { result.append(lsn) }
        return result
    }

    func run(writer: Bool, report: inout StoreOpenReport) throws -> Result {
        var notes: [String] = []
        let lsns = try Recovery.candidates(io: io, directory: directory, notes: &notes)
        let logFirst = Recovery.firstLogLSN(io: io, logDirectory: logDirectory)

        var chosen: SnapshotReader.Loaded?
        var failures: [String] = []
        for lsn in lsns {
            let path = IOPath.join(snapshotDirectory, StorageFormat.snapshotFileName(lsn: lsn))
            if let f = logFirst, f > lsn + 1 {
                let why = "\(path): the log starts at LSN \(f), this snapshot needs LSN \(lsn + 1) onward"
                notes.append(why); failures.append(why)
                continue
            }
            do {
                let loaded: SnapshotReader.Loaded
                if let p = preloaded, p.info.lsn == lsn { loaded = p } else { loaded = try SnapshotReader(io: io).load(path) }
                guard loaded.info.lsn == lsn else { throw AegisError.corruption("snapshot holds LSN \(loaded.info.lsn), its name says \(lsn)", file: path) }
                chosen = loaded
                break
            } catch let e as AegisError where e.code == .unsupportedVersion {
                throw e
            } catch {
                let why = "\(path): \(Store.map(error).message)"
                notes.append(why); failures.append(why)
            }
        }
        if chosen == nil, let f = logFirst, f > 1 {
            throw AegisError.corruption("no usable snapshot and the log starts at LSN \(f), not 1: " +
                                        (failures.isEmpty ? "no snapshot found" : failures.joined(separator: "; ")),
                                        file: directory)
        }
        report.skippedSnapshots = notes
        let state = chosen?.state ?? StoreState()
        let base = state.lastLSN
        report.snapshot = chosen?.info
        report.indexSection = chosen?.index
        report.indexLSN = chosen?.info.indexLSN

        // Events the caller's vector index has not seen yet.
        let indexFrom = min(report.indexLSN ?? base, base)
        var catchUp: [ReplayedCommit]? = options.collectIndexCatchUp ? [] : nil
        if catchUp != nil, indexFrom < base {
            if let f = logFirst, f <= indexFrom + 1 {
                try LogReader.scan(directory: logDirectory, io: io, fromLSN: indexFrom + 1, throughLSN: base,
                                   maxRecordSize: options.log.maxRecordSize) { view in
                    let events = try EventCodec.decodeRecord(type: view.type, payload: view.payload, what: Recovery.what(view), dimension: nil)
                    catchUp!.append(ReplayedCommit(lsn: view.lsn, timestamp: view.timestamp, events: events))
                }
            } else {
                catchUp = nil
            }
        }

        var trace = OpenTrace()
        var replayed = 0
        let pipeline = ReplayPipeline(state: state)
        var pipelineFinished = false
        defer { if !pipelineFinished { pipeline.finish() } }
        let apply: (LogRecordView) throws -> Void = { view in
            if catchUp != nil, view.lsn > indexFrom {
                let events = try EventCodec.decodeRecord(type: view.type, payload: view.payload, what: Recovery.what(view), dimension: nil)
                pipeline.add(lsn: view.lsn, timestamp: view.timestamp, events: events)
                catchUp!.append(ReplayedCommit(lsn: view.lsn, timestamp: view.timestamp, events: events))
            } else {
                // Decoded straight into the pipeline's batch (no array per record).
                try pipeline.add(lsn: view.lsn, timestamp: view.timestamp) { out in
                    try EventCodec.decodeRecord(type: view.type, payload: view.payload, what: Recovery.what(view), dimension: nil, into: &out)
                }
            }
            replayed += 1
        }

        var wal: WriteAheadLog?
        if writer {
            var logOptions = options.log
            logOptions.firstLSN = base + 1
            let (w, logReport) = try WriteAheadLog.open(directory: logDirectory, io: io, options: logOptions,
                                                        replayFrom: base + 1, replay: apply)
            pipeline.finish()
            pipelineFinished = true
            wal = w
            report.log = logReport
            if w.lastLSN < base {
                Task { try? await w.close() }
                throw AegisError.corruption("the log ends at LSN \(w.lastLSN) but the snapshot holds state through LSN \(base)",
                                            file: logDirectory, lsn: w.lastLSN + 1)
            }
        } else if io.isDirectory(logDirectory) {
            let scan = try LogReader.scan(directory: logDirectory, io: io, fromLSN: base + 1,
                                          maxRecordSize: options.log.maxRecordSize, body: apply)
            report.logTailIgnoredBytes = scan.tailIgnoredBytes
        }
        if !pipelineFinished { pipeline.finish(); pipelineFinished = true }
        trace.mark("log replay of \(replayed) records")
        report.replayedRecords = replayed
        report.skippedEvents = state.skippedEvents
        report.indexCatchUp = catchUp
        report.lastLSN = state.lastLSN
        return Result(state: state, wal: wal)
    }

    /// First LSN of the oldest segment, from its header (nil: no segment, or a header the log
    /// itself will report as damaged when it is opened or scanned).
    static func firstLogLSN(io: any FileIO, logDirectory: String) -> UInt64? {
        guard io.isDirectory(logDirectory), let names = try? io.listDirectory(logDirectory),
              let oldest = names.compactMap(LogFormat.segmentNumber(fromFileName:)).min() else { return nil }
        let path = IOPath.join(logDirectory, LogFormat.segmentFileName(oldest))
        guard let h = try? io.open(path, mode: .readOnly) else { return nil }
        defer { try? io.close(h) }
        guard let head = try? io.pread(h, count: LogFormat.segmentHeaderSize, at: 0), head.count == LogFormat.segmentHeaderSize,
              Array(head[0..<8]) == LogFormat.segmentMagic else { return nil }
        return head.withUnsafeBytes { b -> UInt64? in
            let sum = b.loadUnaligned(fromByteOffset: LogFormat.segmentHeaderChecksumOffset, as: UInt64.self).littleEndian
            guard Checksum.xxh3(UnsafeRawBufferPointer(rebasing: b[0..<LogFormat.segmentHeaderChecksumOffset])) == sum else { return nil }
            return b.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian
        }
    }

    static func what(_ view: LogRecordView) -> String {
        "log record LSN \(view.lsn) (segment \(view.segment), offset \(view.offset))"
    }
}
