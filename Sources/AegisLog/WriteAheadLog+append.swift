extension WriteAheadLog {
    /// Appends one record; returns it (with its LSN and commit timestamp) once durable per the
    /// fsync policy. Throws `invalidArgument` (type outside 1…127, payload above the maximum),
    /// `diskFull` (nothing written; retry later), `readOnly` (after a failure or close) or the
    /// `io` error that made the log read-only.
    public func append(type: UInt8, payload: [UInt8]) async throws -> LogRecord {
        try await append(batch: [(type: type, payload: payload)])[0]
    }

    /// Appends records with consecutive LSNs, all in the same segment and the same write
    /// (so they share durability); returns them in order.
    public func append(batch: [(type: UInt8, payload: [UInt8])]) async throws -> [LogRecord] {
        if batch.isEmpty { return [] }
        var records: [(type: UInt8, flags: UInt8, stored: [UInt8], payload: [UInt8])] = []
        records.reserveCapacity(batch.count)
        var bytes = 0
        for item in batch {
            guard LogFormat.validRecordTypes.contains(item.type) else {
                throw LogError(.invalidArgument, "record type \(item.type) outside \(LogFormat.validRecordTypes)")
            }
            guard item.payload.count <= options.maxRecordSize else {
                throw LogError(.invalidArgument, "payload of \(item.payload.count) bytes exceeds the maximum record size \(options.maxRecordSize)")
            }
            var flags: UInt8 = 0
            var stored = item.payload
            if item.payload.count >= options.compressionThreshold, item.payload.count > 0,
               let block = try? LZ4Block.compress(item.payload), block.count < item.payload.count {
                stored = block
                flags |= LogFormat.flagLZ4
            }
            bytes += LogFormat.recordHeaderSize + stored.count
            records.append((item.type, flags, stored, item.payload))
        }
        let total = bytes
        return try await withCheckedThrowingContinuation { (c: CheckedContinuation<[LogRecord], any Error>) in
            lock.lock()
            if let error = refusal() {
                lock.unlock()
                c.resume(throwing: error)
                return
            }
            shared.queue.append(Pending(records: records, bytes: total, continuation: c))
            shared.queuedBytes += total
            lock.signal()
            lock.unlock()
        }
    }

    /// Starts a new segment now (no-op if the active one holds no record). Waits for a group
    /// commit in progress.
    public func rotate() throws {
        if let error = lock.withLock({ refusal() }) { throw error }
        try segment.withLock { s in
            guard s.recordCount > 0 else { return }
            do {
                try rotateLocked(&s)
            } catch let e as LogError {
                if e.code != .diskFull { setFailure(e) }
                throw e
            }
        }
    }

    /// Removes (or moves to `archiveTo`) every sealed segment whose records all have
    /// LSN ≤ `lsn` (call after a snapshot at `lsn` is durable). The active segment is never
    /// removed. Returns the file names removed or archived, oldest first.
    @discardableResult
    public func removeSegments(coveredThrough lsn: UInt64, archiveTo: String? = nil) throws -> [String] {
        try segment.withLock { s in
            var done: [String] = []
            if let archiveTo { try io.makeDirectory(archiveTo) }
            while let first = s.sealed.first, first.lastLSN <= lsn {
                if let archiveTo {
                    let target = IOPath.join(archiveTo, first.fileName)
                    do {
                        try io.rename(first.path, to: target)
                    } catch let e as LogError where e.errno == 18 /* EXDEV */ {
                        try copyFile(first.path, to: target)
                        try io.unlink(first.path)
                    }
                } else {
                    try io.unlink(first.path)
                }
                done.append(first.fileName)
                s.sealed.removeFirst()
            }
            if !done.isEmpty {
                if let archiveTo { try io.fsyncDirectory(archiveTo) }
                try io.fsyncDirectory(directory)
            }
            return done
        }
    }

    func copyFile(_ from: String, to: String) throws {
        let src = try io.open(from, mode: .readOnly)
        defer { try? io.close(src) }
        let tmp = to + LogFormat.tempSuffix
        let dst = try io.open(tmp, mode: .createTruncate)
        defer { try? io.close(dst) }
        var offset: Int64 = 0
        while true {
            let chunk = try io.pread(src, count: 1 << 20, at: offset)
            if chunk.isEmpty { break }
            try io.pwrite(dst, chunk, at: offset)
            offset += Int64(chunk.count)
        }
        try io.fsync(dst)
        try io.rename(tmp, to: to)
    }

    /// Marks the log read-only and fails everything queued (call without `lock` held).
    func setFailure(_ error: LogError) {
        lock.withLock {
            if shared.failure == nil { shared.failure = error }
        }
    }
}
