import AegisCore

/// Streams `export --format pgsql`: one SQL file that `psql -f FILE` loads into PostgreSQL 16+
/// with pgvector (schema: `PostgresSchema`). Rows go out as `COPY … FROM stdin` blocks in text
/// format; the caller feeds memories, then votes, sessions and features (each section is opened
/// on its first row or by `finish()`), and drains `bytes` whenever it likes, so memory stays
/// bounded by one row plus the set of exported memory ids (used to keep only votes whose memory
/// is in the file — the foreign key would reject the others).
///
/// A row that PostgreSQL could not store (U+0000 in text, a value longer than its column,
/// a counter beyond INTEGER, an embedding of the wrong dimension) throws `ExportError` naming the
/// row and field, and nothing of that row is written; the caller decides whether to go on.
public struct PostgresDumpWriter: Sendable {
    public enum Section: Int, Sendable, Comparable {
        case none, memories, votes, sessions, features, done
        public static func < (a: Section, b: Section) -> Bool { a.rawValue < b.rawValue }
    }

    public let dimension: Int
    public private(set) var bytes: [UInt8] = []
    public private(set) var section = Section.none
    public private(set) var counts: (memories: Int, votes: Int, sessions: Int, features: Int) = (0, 0, 0, 0)
    private var memoryIds = Set<String>()
    private var row: [UInt8] = []

    /// `comment` lines are written at the top (source store, time, filters).
    public init(dimension: Int, comment: [String] = []) {
        self.dimension = dimension
        var head = "-- Aegis Memory export for PostgreSQL 16+ with pgvector (aegis-pgsql format \(PostgresSchema.formatVersion))\n"
        head += "-- Load into an empty database:  psql -v ON_ERROR_STOP=1 -d DBNAME -f THIS_FILE\n"
        for c in comment { head += "-- " + String(c.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 }) + "\n" }
        head += """
            SET client_encoding = 'UTF8';
            SET standard_conforming_strings = on;
            SET TimeZone = 'UTC';
            SET check_function_bodies = false;
            BEGIN;

            """
        head += PostgresSchema.createTables(dimension: dimension)
        bytes.append(contentsOf: Array(head.utf8))
    }

    /// Removes and returns the bytes produced so far.
    public mutating func drain() -> [UInt8] {
        let out = bytes
        bytes.removeAll(keepingCapacity: true)
        return out
    }

    private mutating func enter(_ s: Section) {
        precondition(s >= section, "PostgresDumpWriter sections must be written in order")
        while section < s {
            if section > .none && section < .done { bytes.append(contentsOf: Array("\\.\n\n".utf8)) }
            section = Section(rawValue: section.rawValue + 1)!
            let copy: String
            switch section {
            case .memories: copy = "COPY memories (\(PostgresSchema.memoryColumns.joined(separator: ", "))) FROM stdin;\n"
            case .votes: copy = "COPY vote_history (\(PostgresSchema.voteColumns.joined(separator: ", "))) FROM stdin;\n"
            case .sessions: copy = "COPY session_progress (\(PostgresSchema.sessionColumns.joined(separator: ", "))) FROM stdin;\n"
            case .features: copy = "COPY feature_tracker (\(PostgresSchema.featureColumns.joined(separator: ", "))) FROM stdin;\n"
            case .done:
                copy = PostgresSchema.createIndexes + "COMMIT;\nANALYZE memories;\nANALYZE vote_history;\nANALYZE session_progress;\nANALYZE feature_tracker;\n"
            case .none: copy = ""
            }
            bytes.append(contentsOf: Array(copy.utf8))
        }
    }

    // MARK: field helpers (append to `row`)

    private mutating func tab() { row.append(0x09) }
    private mutating func text(_ s: String?, _ field: String, max: Int? = nil) throws(ExportError) {
        if let s, let max, s.unicodeScalars.count > max {
            throw ExportError(.unrepresentable, "value longer than its column (\(max) characters)", field: field)
        }
        do { try PostgresText.appendCopyText(s, to: &row) } catch { var e = error; e.field = field; throw e }
    }
    private mutating func int4(_ i: Int64, _ field: String) throws(ExportError) {
        guard i >= Int64(Int32.min) && i <= Int64(Int32.max) else { throw ExportError(.unrepresentable, "\(i) does not fit INTEGER", field: field) }
        PostgresText.appendCopyInt(i, to: &row)
    }
    private mutating func ts(_ t: Timestamp?) { PostgresText.appendCopyTimestamp(t, to: &row) }
    private mutating func json(_ o: JSONObject) { PostgresText.appendCopyJSON({ $0.object(o) }, to: &row) }
    private mutating func json(_ a: [String]) { PostgresText.appendCopyJSON({ $0.strings(a) }, to: &row) }
    private mutating func json(_ a: [JSONObject]) {
        PostgresText.appendCopyJSON({ w in w.beginArray(); for o in a { w.object(o) }; w.endArray() }, to: &row)
    }

    private mutating func commitRow() { row.append(0x0A); bytes.append(contentsOf: row); row.removeAll(keepingCapacity: true) }

    private mutating func locate(_ e: ExportError, _ what: String) -> ExportError {
        row.removeAll(keepingCapacity: true)
        var e = e
        e.message = "\(what): \(e.message)"
        return e
    }

    // MARK: rows

    public mutating func write(_ m: Memory) throws(ExportError) {
        enter(.memories)
        guard m.embedding.count == dimension else {
            throw ExportError(.unrepresentable, "memory \(m.id): embedding has \(m.embedding.count) dimensions, the file declares vector(\(dimension))", field: "embedding")
        }
        do {
            try text(m.id, "id", max: 32); tab()
            try text(m.projectId, "project_id", max: 64); tab()
            try text(m.userId, "user_id", max: 64); tab()
            try text(m.agentId, "agent_id", max: 64); tab()
            try text(m.namespace, "namespace", max: 64); tab()
            try text(m.memoryType.rawValue, "memory_type", max: 16); tab()
            try text(m.content, "content"); tab()
            try text(m.contentHash, "content_hash", max: 64); tab()
            try PostgresText.appendVector(m.embedding, to: &row); tab()
            json(m.metadata); tab()
            try text(m.scope.rawValue, "scope", max: 16); tab()
            json(m.sharedWithAgents); tab()
            json(m.derivedFromAgents); tab()
            json(m.coordinationMetadata); tab()
            ts(m.createdAt); tab()
            ts(m.updatedAt); tab()
            ts(m.expiresAt); tab()
            try int4(m.bulletHelpful, "bullet_helpful"); tab()
            try int4(m.bulletHarmful, "bullet_harmful"); tab()
            PostgresText.appendCopyBool(m.isDeprecated, to: &row); tab()
            ts(m.deprecatedAt); tab()
            try text(m.deprecatedBy, "deprecated_by", max: 64); tab()
            try text(m.supersededBy, "superseded_by", max: 32); tab()
            try text(m.sourceTrajectoryId, "source_trajectory_id", max: 64); tab()
            try text(m.errorPattern, "error_pattern", max: 128)
        } catch { throw locate(error, "memory \(m.id)") }
        commitRow()
        memoryIds.insert(m.id)
        counts.memories += 1
    }

    /// Writes the vote when its memory was exported; returns false (and writes nothing) otherwise.
    @discardableResult
    public mutating func write(_ v: Vote) throws(ExportError) -> Bool {
        enter(.votes)
        guard memoryIds.contains(v.memoryId) else { return false }
        do {
            try text(v.id, "id", max: 32); tab()
            try text(v.memoryId, "memory_id", max: 32); tab()
            try text(v.projectId, "project_id", max: 64); tab()
            try text(v.voterAgentId, "voter_agent_id", max: 64); tab()
            try text(v.vote.rawValue, "vote", max: 8); tab()
            try text(v.context, "context"); tab()
            try text(v.taskId, "task_id", max: 64); tab()
            ts(v.createdAt)
        } catch { throw locate(error, "vote \(v.id)") }
        commitRow()
        counts.votes += 1
        return true
    }

    public mutating func write(_ s: SessionProgress) throws(ExportError) {
        enter(.sessions)
        do {
            try text(s.id, "id", max: 32); tab()
            try text(s.projectId, "project_id", max: 64); tab()
            try text(s.sessionId, "session_id", max: 64); tab()
            try text(s.agentId, "agent_id", max: 64); tab()
            try text(s.userId, "user_id", max: 64); tab()
            try text(s.namespace, "namespace", max: 64); tab()
            json(s.completedItems); tab()
            try text(s.inProgressItem, "in_progress_item", max: 256); tab()
            json(s.nextItems); tab()
            json(s.blockedItems); tab()
            try text(s.status.rawValue, "status", max: 16); tab()
            try text(s.summary, "summary"); tab()
            try text(s.lastAction, "last_action"); tab()
            try int4(s.totalItems, "total_items"); tab()
            try int4(s.completedCount, "completed_count"); tab()
            ts(s.createdAt); tab()
            ts(s.updatedAt)
        } catch { throw locate(error, "session \(s.sessionId)") }
        commitRow()
        counts.sessions += 1
    }

    public mutating func write(_ f: FeatureRecord) throws(ExportError) {
        enter(.features)
        do {
            try text(f.id, "id", max: 32); tab()
            try text(f.projectId, "project_id", max: 64); tab()
            try text(f.sessionId, "session_id", max: 64); tab()
            try text(f.namespace, "namespace", max: 64); tab()
            try text(f.featureId, "feature_id", max: 128); tab()
            try text(f.category, "category", max: 64); tab()
            try text(f.description, "description"); tab()
            json(f.testSteps); tab()
            try text(f.status.rawValue, "status", max: 16); tab()
            PostgresText.appendCopyBool(f.passes, to: &row); tab()
            try text(f.implementedBy, "implemented_by", max: 64); tab()
            try text(f.verifiedBy, "verified_by", max: 64); tab()
            try text(f.implementationNotes, "implementation_notes"); tab()
            try text(f.failureReason, "failure_reason"); tab()
            ts(f.createdAt); tab()
            ts(f.updatedAt); tab()
            ts(f.completedAt)
        } catch { throw locate(error, "feature \(f.featureId)") }
        commitRow()
        counts.features += 1
    }

    /// Closes the open COPY block, creates the indexes, commits and analyzes.
    public mutating func finish() { enter(.done) }
}
