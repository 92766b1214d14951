import AegisCore
import AegisEngine

/// Vote counts per memory id of a source's `vote_history` (the pre-scan of a migration import).
/// Memory: one entry per memory that has votes.
public struct VoteTally: Sendable {
    public struct Counts: Sendable, Hashable {
        public var helpful: Int64 = 0
        public var harmful: Int64 = 0
        public init(helpful: Int64 = 0, harmful: Int64 = 0) { self.helpful = helpful; self.harmful = harmful }
    }
    public private(set) var byMemory: [String: Counts] = [:]
    public private(set) var rows: Int64 = 0
    private var reader: PostgresDumpReader?

    public init() {}

    public mutating func add(memoryId: String, helpful: Int64, harmful: Int64) {
        byMemory[memoryId, default: Counts()].helpful += helpful
        byMemory[memoryId, default: Counts()].harmful += harmful
        rows += helpful + harmful
    }

    public mutating func add(_ v: Vote) {
        add(memoryId: v.memoryId, helpful: v.vote == .helpful ? 1 : 0, harmful: v.vote == .harmful ? 1 : 0)
    }

    /// Pre-scan of SQL text: counts the rows of its `vote_history` COPY block (bad rows are
    /// ignored here and reported by the import pass).
    public mutating func scanSQL(_ chunk: some Sequence<UInt8>) {
        var r = reader ?? PostgresDumpReader(tables: [.votes])
        reader = nil
        for e in r.feed(chunk) { if case .vote(let v, _, _) = e { add(v) } }
        reader = r
    }

    public mutating func finishSQL() {
        guard var r = reader else { return }
        reader = nil
        for e in r.finish() { if case .vote(let v, _, _) = e { add(v) } }
    }
}

/// Drives a streaming import into an engine: feed bytes, records go in batches of `batchSize`
/// to `AegisEngine.importMemories` (and, for SQL input, `importVotes`, `importSessions`,
/// `importFeatures`), per-record problems are collected in `summary`. Used by the CLI
/// (`aegis-memory import`); bounded memory (one batch per table, the splitter's current record,
/// and for SQL input the vote tally: one entry per voted memory).
///
/// Votes and counters (SQL input with a `votes` tally from a pre-scan): a memory is imported
/// with `stored − voted` counters and its vote rows then bring it back to the stored value, so
/// counters, vote rows and `updated_at` all equal the source's. Mismatches between stored
/// counters and vote rows are reported (`summary.counterMismatches`), see `CounterMismatch`.
/// Without a tally, vote rows are not imported (they would count twice) and an error says so.
/// Votes of a memory skipped as a duplicate are skipped with it.
public struct EngineImporter {
    public let engine: AegisEngine
    /// Project for records without `project_id` (or for every record when `forceProject`).
    public let defaultProject: String
    public let forceProject: Bool
    public let skipDuplicates: Bool
    public let batchSize: Int
    public private(set) var summary = ImportSummary()
    public private(set) var total = 0
    private var reader = ImportReader()
    private var sqlReader: PostgresDumpReader?
    private var sqlBytes = 0
    private let tally: VoteTally?
    private enum VoteTarget { case imported(project: String), skipped }
    private var voteTargets: [String: VoteTarget] = [:]
    private var untalliedVotesReported = false

    private struct Pending {
        var index: Int
        var project: String
        var record: ImportRecord
        var stored: VoteTally.Counts
        var voted: VoteTally.Counts?
    }
    private var batch: [Pending] = []
    private var votes: [(index: Int, project: String, vote: Vote)] = []
    private var sessions: [(index: Int, project: String, row: SessionProgress)] = []
    private var features: [(index: Int, project: String, row: FeatureRecord)] = []

    /// `sqlDump`: the input is SQL text with COPY blocks (a pgsql export, a pg_dump of an Aegis
    /// v1.2 database, or the stream `--from-postgres` reads) instead of JSON records. `votes`:
    /// the pre-scanned vote tally of that input (required to import vote rows).
    public init(engine: AegisEngine, defaultProject: String, forceProject: Bool = false, skipDuplicates: Bool = true,
                batchSize: Int = 256, sqlDump: Bool = false, votes: VoteTally? = nil) {
        self.engine = engine; self.defaultProject = defaultProject; self.forceProject = forceProject
        self.skipDuplicates = skipDuplicates; self.batchSize = batchSize; self.tally = votes
        if sqlDump { sqlReader = PostgresDumpReader() }
    }

    public var bytesRead: Int { sqlReader == nil ? reader.bytesRead : sqlBytes }

    public mutating func feed(_ bytes: some Sequence<UInt8>) async throws {
        if sqlReader != nil {
            var r = sqlReader!; sqlReader = nil
            let events = r.feed(bytes)
            sqlReader = r
            sqlBytes += bytes.underestimatedCount
            try await handle(events)
        } else {
            try await handle(reader.feed(bytes))
        }
    }

    public mutating func finish() async throws -> ImportSummary {
        if sqlReader != nil { try await handle(sqlReader!.finish()) } else { try await handle(reader.finish()) }
        try await flushMemories()
        try await flushVotes()
        try await flushSessions()
        try await flushFeatures()
        return summary
    }

    private func project(_ p: String?) -> String { forceProject ? defaultProject : (p ?? defaultProject) }

    private mutating func handle(_ events: [ImportReader.Event]) async throws {
        for e in events {
            switch e {
            case .error(let err): total += 1; summary.record(err)
            case .memory(let m, let index, _): try await add(m, index)
            }
        }
    }

    private mutating func handle(_ events: [PostgresDumpReader.Event]) async throws {
        for e in events {
            switch e {
            case .table: continue
            case .error(let err): total += 1; summary.record(err)
            case .memory(let m, let index, _): try await add(m, index)
            case .vote(let v, let index, _):
                total += 1
                try await add(v, index)
            case .session(let s, let index, _):
                total += 1
                sessions.append((index, project(s.projectId), s))
                if sessions.count >= batchSize { try await flushSessions() }
            case .feature(let f, let index, _):
                total += 1
                features.append((index, project(f.projectId), f))
                if features.count >= batchSize { try await flushFeatures() }
            }
        }
    }

    private mutating func add(_ m: ImportedMemory, _ index: Int) async throws {
        total += 1
        var record = m.importRecord()
        let stored = VoteTally.Counts(helpful: m.bulletHelpful ?? 0, harmful: m.bulletHarmful ?? 0)
        var voted: VoteTally.Counts?
        if let tally {
            let v = record.id.flatMap { tally.byMemory[$0] } ?? VoteTally.Counts()
            voted = v
            record.bulletHelpful = Int(max(0, stored.helpful - v.helpful))
            record.bulletHarmful = Int(max(0, stored.harmful - v.harmful))
        }
        batch.append(Pending(index: index, project: project(m.projectId), record: record, stored: stored, voted: voted))
        if batch.count >= batchSize { try await flushMemories() }
    }

    private mutating func add(_ v: Vote, _ index: Int) async throws {
        guard tally != nil else {
            summary.votes.skipped += 1
            if !untalliedVotesReported {
                untalliedVotesReported = true
                summary.record(ExportError(.invalidArgument, "vote_history rows are not imported without a pre-scan of the vote counts (EngineImporter votes:)", record: index))
            }
            return
        }
        // The memories a vote refers to come first in every dump; make sure they are stored.
        if !batch.isEmpty { try await flushMemories() }
        switch voteTargets[v.memoryId] {
        case .imported(let p)?:
            votes.append((index, p, v))
            if votes.count >= batchSize { try await flushVotes() }
        case .skipped?:
            summary.votes.skipped += 1
        case nil:
            summary.record(ExportError(.invalidRecord, "vote_history: vote \(v.id) refers to memory \(v.memoryId), which is not among the imported memories", record: index, field: "memory_id"))
        }
    }

    private mutating func flushMemories() async throws {
        guard !batch.isEmpty else { return }
        // One engine call per project, keeping input order within each.
        for (p, ks) in Self.groups(batch.map(\.project)) {
            let outcomes = try await engine.importMemories(project: p, ks.map { batch[$0].record }, skipDuplicates: skipDuplicates)
            for (j, o) in outcomes.enumerated() {
                let item = batch[ks[j]]
                switch o {
                case .imported(let id):
                    summary.imported += 1
                    if let voted = item.voted {
                        if voted != VoteTally.Counts() { voteTargets[id] = .imported(project: p) }
                        if voted != item.stored {
                            summary.counterMismatchCount += 1
                            if summary.counterMismatches.count < ImportSummary.maxReportedErrors {
                                summary.counterMismatches.append(CounterMismatch(
                                    projectId: p, memoryId: id, storedHelpful: item.stored.helpful, storedHarmful: item.stored.harmful,
                                    votedHelpful: voted.helpful, votedHarmful: voted.harmful))
                            }
                        }
                    }
                case .skipped:
                    summary.skipped += 1
                    if let id = item.record.id, item.voted.map({ $0 != VoteTally.Counts() }) ?? false { voteTargets[id] = .skipped }
                case .failed(let why): summary.record(ExportError(.invalidRecord, why, record: item.index))
                }
            }
        }
        batch.removeAll(keepingCapacity: true)
    }

    private mutating func flushVotes() async throws {
        guard !votes.isEmpty else { return }
        for (p, ks) in Self.groups(votes.map(\.project)) {
            let outcomes = try await engine.importVotes(project: p, ks.map { votes[$0].vote })
            count(outcomes, ks.map { votes[$0].index }, into: \.votes)
        }
        votes.removeAll(keepingCapacity: true)
    }

    private mutating func flushSessions() async throws {
        guard !sessions.isEmpty else { return }
        for (p, ks) in Self.groups(sessions.map(\.project)) {
            let outcomes = try await engine.importSessions(project: p, ks.map { sessions[$0].row })
            count(outcomes, ks.map { sessions[$0].index }, into: \.sessions)
        }
        sessions.removeAll(keepingCapacity: true)
    }

    private mutating func flushFeatures() async throws {
        guard !features.isEmpty else { return }
        for (p, ks) in Self.groups(features.map(\.project)) {
            let outcomes = try await engine.importFeatures(project: p, ks.map { features[$0].row })
            count(outcomes, ks.map { features[$0].index }, into: \.features)
        }
        features.removeAll(keepingCapacity: true)
    }

    private mutating func count(_ outcomes: [ImportOutcome], _ indexes: [Int], into table: WritableKeyPath<ImportSummary, ImportSummary.TableCounts>) {
        for (o, index) in zip(outcomes, indexes) {
            switch o {
            case .imported: summary[keyPath: table].imported += 1
            case .skipped: summary[keyPath: table].skipped += 1
            case .failed(let why): summary.record(ExportError(.invalidRecord, why, record: index))
            }
        }
    }

    /// Positions grouped by key, keys in first-seen order.
    static func groups(_ keys: [String]) -> [(String, [Int])] {
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (k, key) in keys.enumerated() {
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(k)
        }
        return order.map { ($0, groups[$0]!) }
    }
}
