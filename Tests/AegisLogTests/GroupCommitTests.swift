import Synchronization
import Testing
@testable import AegisLog

@Suite struct GroupCommitTests {
    /// Many concurrent appenders: every acknowledged LSN is present, LSNs are contiguous and
    /// unique, each payload sits at the LSN it was acknowledged with, and appenders shared fsyncs.
    @Test func concurrentAppendersShareFsyncsAndLoseNothing() async throws {
        let io = FaultInjectingFileIO(seed: 51)
        io.syncDelayMicroseconds = 500
        let (log, _) = try WriteAheadLog.open(directory: logDir, io: io, options: testOptions(segmentSize: 16 << 10))
        let writers = 16, perWriter = 40
        let fsyncsBefore = io.operationCount(.fsync)
        let acked = try await withThrowingTaskGroup(of: [LogRecord].self) { group in
            for w in 0..<writers {
                group.addTask {
                    var mine: [LogRecord] = []
                    for i in 0..<perWriter {
                        let body = [UInt8(w), UInt8(i)] + payload(w * 1000 + i)
                        if i % 7 == 3 {
                            mine += try await log.append(batch: [(type: 1, payload: body), (type: 2, payload: body.reversed())])
                        } else {
                            mine.append(try await log.append(type: 1, payload: body))
                        }
                    }
                    return mine
                }
            }
            var all: [LogRecord] = []
            for try await part in group { all += part }
            return all
        }
        let fsyncs = io.operationCount(.fsync) - fsyncsBefore
        try await log.close()
        let lsns = acked.map(\.lsn).sorted()
        #expect(lsns == Array(1...UInt64(acked.count)))
        let onDisk = try LogReader.records(directory: logDir, io: io)
        #expect(onDisk.count == acked.count)
        let byLSN = Dictionary(uniqueKeysWithValues: onDisk.map { ($0.lsn, $0) })
        for r in acked { #expect(byLSN[r.lsn] == r) }
        // Group commit: far fewer fsyncs than records (rotations add a few).
        #expect(fsyncs < acked.count / 2, "fsyncs \(fsyncs) for \(acked.count) records")
        // Per writer, acknowledged order is log order.
        for w in 0..<writers {
            let mine = onDisk.filter { $0.type == 1 && $0.payload.first == UInt8(w) }.map { $0.payload[1] }
            #expect(mine == (0..<perWriter).map(UInt8.init))
        }
    }
}
