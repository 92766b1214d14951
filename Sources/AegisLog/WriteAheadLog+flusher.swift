extension WriteAheadLog {
    /// The flusher thread: takes everything queued, writes it with one write, syncs per policy,
    /// acknowledges, repeats. Under `interval` it also syncs when the interval has elapsed.
    func runFlusher() {
        var intervalNanos: UInt64? = nil
        if case .interval(let ms) = options.fsync { intervalNanos = UInt64(ms) * 1_000_000 }
        var lastSync = Clock.monotonicNanos()
        var dirty = false
        var lastGroup = 0
        while true {
            lock.lock()
            while shared.queue.isEmpty, shared.syncWaiters.isEmpty, !shared.closed {
                if let interval = intervalNanos, dirty {
                    let deadline = lastSync + interval
                    if Clock.monotonicNanos() >= deadline { break }
                    lock.wait(untilMonotonicNanos: deadline)
                } else {
                    lock.wait()
                }
            }
            // Group commit window: let the writers acknowledged last time rejoin this group.
            if options.fsync == .always, options.groupCommitWindowMicroseconds > 0, lastGroup > 1,
               !shared.queue.isEmpty, shared.queue.count < lastGroup, !shared.closed {
                let deadline = Clock.monotonicNanos() + UInt64(options.groupCommitWindowMicroseconds) * 1000
                while shared.queue.count < lastGroup, !shared.closed, Clock.monotonicNanos() < deadline {
                    lock.wait(untilMonotonicNanos: deadline)
                }
            }
            var batch: [Pending] = []
            var taken = 0
            while let first = shared.queue.first, batch.isEmpty || taken + first.bytes <= options.maxGroupBytes {
                batch.append(shared.queue.removeFirst())
                taken += first.bytes
            }
            shared.queuedBytes -= taken
            let syncs = shared.queue.isEmpty ? shared.syncWaiters : []
            if shared.queue.isEmpty { shared.syncWaiters.removeAll() }
            let exiting = shared.closed && shared.queue.isEmpty
            let failed = shared.failure
            let refusal = refusal()
            lock.unlock()

            if failed != nil {
                for p in batch { p.continuation.resume(throwing: refusal!) }
                for c in syncs { c.resume(throwing: refusal!) }
            } else {
                if !batch.isEmpty {
                    lastGroup = batch.count
                    writeGroup(batch)
                    dirty = true
                    if options.fsync == .always { dirty = false }
                }
                let due = intervalNanos.map { dirty && Clock.monotonicNanos() >= lastSync + $0 } ?? false
                if !syncs.isEmpty || due {
                    do {
                        try syncActive()
                        lastSync = Clock.monotonicNanos()
                        dirty = false
                        for c in syncs { c.resume() }
                    } catch {
                        let e = error as? LogError ?? LogError(.io, "\(error)")
                        setFailure(e)
                        for c in syncs { c.resume(throwing: e) }
                    }
                }
            }
            if exiting { break }
        }
        lock.lock()
        shared.flusherExited = true
        let waiters = shared.exitWaiters
        shared.exitWaiters.removeAll()
        // Anything that raced in after close gets refused.
        let late = shared.queue
        shared.queue.removeAll()
        let lateSyncs = shared.syncWaiters
        shared.syncWaiters.removeAll()
        let refusal = refusal()!
        lock.unlock()
        for p in late { p.continuation.resume(throwing: refusal) }
        for c in lateSyncs { c.resume(throwing: refusal) }
        for w in waiters { w.resume() }
    }

    /// fdatasync of the active segment (under the segment lock).
    func syncActive() throws {
        try segment.withLock { s in
            guard let h = s.handle, s.syncedSize < s.size else { return }
            try io.fdatasync(h)
            s.syncedSize = s.size
            durableLSNValue.store(s.nextLSN - 1, ordering: .releasing)
        }
    }

    /// Writes one group: encodes with LSNs and timestamps, rotates where a segment fills up
    /// (acknowledging what the rotation made durable), writes, syncs under `always`,
    /// acknowledges. On ENOSPC the file is rolled back and the rest of the group gets `diskFull`;
    /// any other failure makes the log read-only.
    func writeGroup(_ batch: [Pending]) {
        var acked = 0
        var pendingAcks: [(Int, [LogRecord])] = []
        let result: LogError? = segment.withLock { s -> LogError? in
            do {
                guard let h = s.handle else { throw LogError(.readOnly, "log is closed") }
                s.buffer.removeAll(keepingCapacity: true)
                var lsn = s.nextLSN
                var ts = max(Clock.wallMicros(), s.lastTimestamp)
                var firstTs: Int64? = nil
                var count = 0
                var handle = h
                func writeOut() throws {
                    guard !s.buffer.isEmpty else { return }
                    do {
                        try s.buffer.withUnsafeBytes { try io.pwrite(handle, $0, at: s.size) }
                    } catch let e as LogError where e.code == .diskFull {
                        do { try io.ftruncate(handle, to: s.size) } catch let t as LogError {
                            throw LogError(.io, "could not roll back a partial write after ENOSPC: \(t.message)", file: s.path, offset: s.size, errno: t.errno)
                        }
                        throw e
                    }
                    s.size += Int64(s.buffer.count)
                    s.buffer.removeAll(keepingCapacity: true)
                    s.nextLSN = lsn
                    s.lastTimestamp = ts
                    if s.firstTimestamp == nil { s.firstTimestamp = firstTs }
                    s.segmentLastTimestamp = ts
                    s.recordCount += count
                    count = 0
                    lastLSNValue.store(lsn - 1, ordering: .releasing)
                }
                for (i, p) in batch.enumerated() {
                    let used = s.size + Int64(s.buffer.count)
                    if used > Int64(LogFormat.segmentHeaderSize), used + Int64(p.bytes) > Int64(options.segmentSize) {
                        try writeOut()
                        // Seal: what is written so far becomes durable and is acknowledged
                        // before the next segment is created (which may fail with ENOSPC).
                        if s.syncedSize < s.size {
                            try io.fdatasync(handle)
                            s.syncedSize = s.size
                            durableLSNValue.store(s.nextLSN - 1, ordering: .releasing)
                        }
                        for (k, recs) in pendingAcks { batch[k].continuation.resume(returning: recs) }
                        acked = i
                        pendingAcks.removeAll()
                        try rotateLocked(&s)
                        handle = s.handle!
                        ts = max(ts, Clock.wallMicros())
                    }
                    var recs: [LogRecord] = []
                    recs.reserveCapacity(p.records.count)
                    for r in p.records {
                        r.stored.withUnsafeBytes { stored in
                            RecordEncoder.append(to: &s.buffer, lsn: lsn, timestamp: ts, syncedThrough: s.syncedSize,
                                                 type: r.type, flags: r.flags, rawLength: r.payload.count, stored: stored)
                        }
                        recs.append(LogRecord(lsn: lsn, type: r.type, timestamp: ts, payload: r.payload))
                        if firstTs == nil { firstTs = ts }
                        lsn += 1
                        count += 1
                    }
                    pendingAcks.append((i, recs))
                }
                try writeOut()
                if options.fsync == .always {
                    try io.fdatasync(handle)
                    s.syncedSize = s.size
                    durableLSNValue.store(s.nextLSN - 1, ordering: .releasing)
                }
                return nil
            } catch let e as LogError {
                return e
            } catch {
                return LogError(.io, "\(error)")
            }
        }
        if let error = result {
            if error.code != .diskFull { setFailure(error) }
            for p in batch[acked...] { p.continuation.resume(throwing: error) }
            return
        }
        for (k, recs) in pendingAcks { batch[k].continuation.resume(returning: recs) }
    }

    /// Seals the active segment (fdatasync) and creates the next one (under the segment lock).
    func rotateLocked(_ s: inout ActiveSegment) throws {
        guard let h = s.handle else { throw LogError(.readOnly, "log is closed") }
        if s.syncedSize < s.size {
            try io.fdatasync(h)
            s.syncedSize = s.size
            durableLSNValue.store(s.nextLSN - 1, ordering: .releasing)
        }
        let (newHandle, path) = try Self.createSegment(io: io, directory: directory, number: s.number + 1, firstLSN: s.nextLSN)
        try? io.close(h)
        s.sealed.append(LogSegmentInfo(number: s.number, fileName: IOPath.fileName(of: s.path), path: s.path, firstLSN: s.firstLSN,
                                       lastLSN: s.nextLSN - 1, recordCount: s.recordCount, firstTimestamp: s.firstTimestamp,
                                       lastTimestamp: s.segmentLastTimestamp, validBytes: s.size, isActive: false))
        s = ActiveSegment(handle: newHandle, number: s.number + 1, path: path, firstLSN: s.nextLSN,
                          size: Int64(LogFormat.segmentHeaderSize), syncedSize: Int64(LogFormat.segmentHeaderSize),
                          nextLSN: s.nextLSN, lastTimestamp: s.lastTimestamp, sealed: s.sealed, buffer: s.buffer)
    }
}
