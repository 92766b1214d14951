import AegisCore
import AegisEngine

extension ImportedMemory {
    /// The engine's import record for this file record (`AegisEngine.importMemories`). An id
    /// that is not 32 lower-case hex (e.g. the guide's sample `"abc123"`) is dropped, so the
    /// memory gets a fresh id; a relative `ttl_seconds` becomes an absolute expiry from `now`.
    public func importRecord(now: Timestamp = .now()) -> ImportRecord {
        var r = ImportRecord(content: content, namespace: (namespace?.isEmpty == false ? namespace! : "default"))
        r.id = id.flatMap { Identifier.isCanonical($0) ? $0 : nil }
        r.userId = userId
        r.agentId = agentId
        r.scope = scope?.rawValue
        r.metadata = metadata
        r.memoryType = memoryType?.rawValue
        r.createdAt = createdAt
        r.updatedAt = updatedAt
        r.bulletHelpful = bulletHelpful.map { Int($0) }
        r.bulletHarmful = bulletHarmful.map { Int($0) }
        r.embedding = embedding
        r.sharedWithAgents = sharedWithAgents
        r.derivedFromAgents = derivedFromAgents
        r.coordinationMetadata = coordinationMetadata
        r.expiresAt = expiresAt ?? ttlSeconds.map { now.truncatedToSeconds.adding(seconds: $0) }
        r.isDeprecated = isDeprecated
        r.deprecatedAt = deprecatedAt
        r.deprecatedBy = deprecatedBy
        r.supersededBy = supersededBy
        r.sourceTrajectoryId = sourceTrajectoryId
        r.errorPattern = errorPattern
        return r
    }
}

/// Drives a streaming import into an engine: feed bytes, records go in batches of `batchSize`
/// to `AegisEngine.importMemories`, per-record problems are collected in `summary`. Used by the
/// CLI (`aegis-memory import`); bounded memory (one batch plus the splitter's current record).
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
    private var batch: [(index: Int, project: String, record: ImportRecord)] = []

    /// `sqlDump`: the input is SQL text with a `COPY memories … FROM stdin` block (a pgsql
    /// export or a pg_dump of an Aegis v1.2 database) instead of JSON records.
    public init(engine: AegisEngine, defaultProject: String, forceProject: Bool = false, skipDuplicates: Bool = true,
                batchSize: Int = 256, sqlDump: Bool = false) {
        self.engine = engine; self.defaultProject = defaultProject; self.forceProject = forceProject
        self.skipDuplicates = skipDuplicates; self.batchSize = batchSize
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
        try await flush()
        return summary
    }

    private mutating func handle(_ events: [ImportReader.Event]) async throws {
        for e in events {
            total += 1
            switch e {
            case .error(let err): summary.record(err)
            case .memory(let m, let index, _):
                let project = forceProject ? defaultProject : (m.projectId ?? defaultProject)
                batch.append((index, project, m.importRecord()))
                if batch.count >= batchSize { try await flush() }
            }
        }
    }

    private mutating func flush() async throws {
        guard !batch.isEmpty else { return }
        // One engine call per project, keeping input order within each.
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        for (k, b) in batch.enumerated() {
            if groups[b.project] == nil { order.append(b.project) }
            groups[b.project, default: []].append(k)
        }
        for p in order {
            let ks = groups[p]!
            let outcomes = try await engine.importMemories(project: p, ks.map { batch[$0].record }, skipDuplicates: skipDuplicates)
            for (j, o) in outcomes.enumerated() {
                switch o {
                case .imported: summary.imported += 1
                case .skipped: summary.skipped += 1
                case .failed(let why): summary.record(ExportError(.invalidRecord, why, record: batch[ks[j]].index))
                }
            }
        }
        batch.removeAll(keepingCapacity: true)
    }
}
