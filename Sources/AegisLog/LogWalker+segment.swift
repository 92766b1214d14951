extension LogWalker {
    /// Walks the records of one segment. Returns true when the whole walk must stop.
    func walkSegment(_ k: Int, _ number: UInt64, _ name: String, _ path: String, _ header: SegmentHeader, isLast: Bool,
                     expected: inout UInt64, _ result: inout Result, _ body: ((LogRecordView) throws -> Bool)?) throws -> Bool {
        let handle: IOHandle
        do { handle = try io.open(path, mode: .readOnly) } catch var e as LogError {
            e.file = path
            throw e
        }
        defer { try? io.close(handle) }
        var scanner = SegmentScanner(io: io, handle: handle, fileSize: try io.fileSize(handle), maxRecordSize: maxRecordSize)
        var info = LogSegmentInfo(number: number, fileName: name, path: path, firstLSN: header.firstLSN, lastLSN: header.firstLSN &- 1,
                                  recordCount: 0, firstTimestamp: nil, lastTimestamp: nil,
                                  validBytes: Int64(LogFormat.segmentHeaderSize), isActive: isLast)
        var offset = Int64(LogFormat.segmentHeaderSize)
        var stopAll = false
        defer {
            result.segments.append(info)
            result.nextLSN = expected
        }
        var recheckedAt: Int64 = -1
        var proofRecheckedAt: Int64 = -1
        var forceReload = false
        scanLoop: while true {
            var outcome = try scanner.check(at: offset, expectedLSN: expected, reload: forceReload)
            forceReload = false
            if case .bad = outcome, mode == .reader, isLast, recheckedAt != offset {
                // A writer may be appending right now: look again with fresh bytes before judging.
                recheckedAt = offset
                scanner.fileSize = try io.fileSize(handle)
                outcome = try scanner.check(at: offset, expectedLSN: expected, reload: true)
            }
            switch outcome {
            case .end:
                break scanLoop
            case .record(let h):
                if let body, h.lsn >= fromLSN, h.lsn <= throughLSN {
                    let keepGoing: Bool
                    do {
                        keepGoing = try scanner.withPayload(h, at: offset) { payload in
                            try body(LogRecordView(lsn: h.lsn, type: h.type, timestamp: h.timestamp, payload: payload, segment: number, offset: offset))
                        }
                    } catch var e as LogError where e.code == .corruption && e.file == nil {
                        e.file = path
                        e.offset = offset
                        e.lsn = h.lsn
                        return try fail(e, segmentIndex: k, &result)
                    }
                    result.delivered += 1
                    if !keepGoing { stopAll = true; result.stoppedEarly = true }
                }
                if info.firstTimestamp == nil { info.firstTimestamp = h.timestamp }
                info.lastTimestamp = h.timestamp
                result.lastTimestamp = h.timestamp
                info.lastLSN = h.lsn
                info.recordCount += 1
                offset += Int64(LogFormat.recordHeaderSize + h.storedLength)
                info.validBytes = offset
                expected = h.lsn + 1
                if stopAll || (mode == .reader && expected > throughLSN) {
                    result.stoppedEarly = result.stoppedEarly || expected <= throughLSN || !isLast
                    return true
                }
            case .corrupt(let message):
                return try fail(LogError(.corruption, message, file: path, offset: offset, lsn: expected), segmentIndex: k, &result)
            case .bad(let message):
                guard isLast else {
                    return try fail(LogError(.corruption, message + " in sealed segment", file: path, offset: offset, lsn: expected), segmentIndex: k, &result)
                }
                let verdict = try scanner.classifyTail(badOffset: offset, minLSN: expected)
                if let proof = verdict.proof {
                    if mode == .reader, proofRecheckedAt != offset {
                        // The proof was written after the bad bytes were complete: read them again.
                        proofRecheckedAt = offset
                        scanner.fileSize = try io.fileSize(handle)
                        forceReload = true
                        continue scanLoop
                    }
                    let text = "\(message); a valid record follows at offset \(proof.offset) (LSN \(proof.lsn)) written after this one was fsynced, so this is mid-log corruption, not a torn tail (run repair)"
                    return try fail(LogError(.corruption, text, file: path, offset: offset, lsn: expected), segmentIndex: k, &result)
                }
                result.tail = TornTail(path: path, validEnd: offset, fileSize: scanner.fileSize, droppedValidRecords: verdict.droppedValid, reason: message)
                break scanLoop
            }
        }
        return false
    }
}
