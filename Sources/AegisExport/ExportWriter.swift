import AegisCore

/// The export formats (CLI `--format`, HTTP `format`; HTTP serves jsonl and json only, §4.8).
public enum ExportFormat: String, Sendable, CaseIterable {
    case jsonl, json, csv, pgsql

    public var contentType: String {
        switch self {
        case .jsonl: return "application/x-ndjson"
        case .json: return "application/json"
        case .csv: return "text/csv; charset=utf-8"
        case .pgsql: return "application/sql; charset=utf-8"
        }
    }
    public var fileExtension: String { rawValue == "pgsql" ? "sql" : rawValue }
}

/// One streaming writer for every format. Feed memories (in export order: `created_at`
/// ascending), then — for pgsql — votes, sessions and features; call `finish()`; drain `bytes`
/// whenever convenient (e.g. every 64 KiB). Memory use is one record plus, for `json`, the
/// distinct namespaces and agents (for `stats`), and for `pgsql` the exported memory ids.
///
/// - jsonl: one `MemoryRecord` per line, `\n`-terminated; nothing for an empty export.
/// - json: `{"memories":[…],"stats":{"total_exported":n,"format":"json","namespaces":[…],"agents":[…]}}`
///   (v1.2's shape; namespaces/agents in first-seen order).
/// - csv: the guide's `COPY (SELECT id, content, agent_id, namespace, scope, metadata::text,
///   created_at, updated_at …) TO … WITH CSV HEADER` output, byte for byte, plus a trailing
///   `embedding` column (pgvector text) with include_embeddings.
/// - pgsql: `PostgresDumpWriter`.
public struct ExportWriter: Sendable {
    public let format: ExportFormat
    public let includeEmbeddings: Bool
    public var style: JSONBytesWriter.Style = .compact
    public private(set) var bytes: [UInt8] = []
    public private(set) var memoryCount = 0
    private var pg: PostgresDumpWriter?
    private var namespaces: [String] = []
    private var namespaceSet = Set<String>()
    private var agents: [String] = []
    private var agentSet = Set<String>()
    private var finished = false

    public static let csvColumns = ["id", "content", "agent_id", "namespace", "scope", "metadata", "created_at", "updated_at"]

    /// `dimension` is required for pgsql (the `vector(N)` type); `comment` lines head a pgsql file.
    public init(format: ExportFormat, includeEmbeddings: Bool, dimension: Int = 0, comment: [String] = []) {
        self.format = format
        self.includeEmbeddings = format == .pgsql ? true : includeEmbeddings
        switch format {
        case .pgsql: pg = PostgresDumpWriter(dimension: dimension, comment: comment)
        case .json: bytes.append(contentsOf: Array("{\"memories\":[".utf8))
        case .csv:
            var header = ExportWriter.csvColumns
            if includeEmbeddings { header.append("embedding") }
            bytes.append(contentsOf: Array((header.joined(separator: ",") + "\n").utf8))
        case .jsonl: break
        }
    }

    public mutating func drain() -> [UInt8] {
        if var p = pg { pg = nil; bytes.append(contentsOf: p.drain()); pg = p }
        let out = bytes
        bytes.removeAll(keepingCapacity: true)
        return out
    }

    /// Bytes waiting to be drained.
    public var pendingByteCount: Int { bytes.count + (pg?.bytes.count ?? 0) }

    public mutating func write(_ m: Memory) throws(ExportError) {
        switch format {
        case .pgsql:
            var p = pg!; pg = nil
            defer { pg = p }
            try p.write(m)
        case .jsonl:
            var w = JSONBytesWriter(style: style, reserve: 512)
            MemoryRecord.write(m, includeEmbedding: includeEmbeddings, into: &w)
            bytes.append(contentsOf: w.bytes); bytes.append(0x0A)
        case .json:
            if memoryCount > 0 { bytes.append(UInt8(ascii: ",")) }
            var w = JSONBytesWriter(style: style, reserve: 512)
            MemoryRecord.write(m, includeEmbedding: includeEmbeddings, into: &w)
            bytes.append(contentsOf: w.bytes)
            if namespaceSet.insert(m.namespace).inserted { namespaces.append(m.namespace) }
            if let a = m.agentId, agentSet.insert(a).inserted { agents.append(a) }
        case .csv:
            var line: [UInt8] = []
            line.reserveCapacity(256)
            PostgresText.appendCSVField(m.id, to: &line); line.append(0x2C)
            PostgresText.appendCSVField(m.content, to: &line); line.append(0x2C)
            PostgresText.appendCSVField(m.agentId, to: &line); line.append(0x2C)
            PostgresText.appendCSVField(m.namespace, to: &line); line.append(0x2C)
            PostgresText.appendCSVField(m.scope.rawValue, to: &line); line.append(0x2C)
            var w = JSONBytesWriter(style: .compact); w.object(m.metadata)
            PostgresText.appendCSVField(String(decoding: w.bytes, as: UTF8.self), to: &line); line.append(0x2C)
            PostgresText.appendCSVField(PostgresText.outputTimestamp(m.createdAt), to: &line); line.append(0x2C)
            PostgresText.appendCSVField(PostgresText.outputTimestamp(m.updatedAt), to: &line)
            if includeEmbeddings {
                var v: [UInt8] = []
                try PostgresText.appendVector(m.embedding, to: &v)
                line.append(0x2C)
                PostgresText.appendCSVField(String(decoding: v, as: UTF8.self), to: &line)
            }
            line.append(0x0A)
            bytes.append(contentsOf: line)
        }
        memoryCount += 1
    }

    /// pgsql only (other formats carry memories only); returns whether the row was written.
    @discardableResult
    public mutating func write(_ v: Vote) throws(ExportError) -> Bool {
        guard var p = pg else { return false }
        pg = nil; defer { pg = p }
        return try p.write(v)
    }
    public mutating func write(_ s: SessionProgress) throws(ExportError) {
        guard var p = pg else { return }
        pg = nil; defer { pg = p }
        try p.write(s)
    }
    public mutating func write(_ f: FeatureRecord) throws(ExportError) {
        guard var p = pg else { return }
        pg = nil; defer { pg = p }
        try p.write(f)
    }

    /// Whether the format has sections beyond memories (votes, sessions, features).
    public var wantsACETables: Bool { format == .pgsql }

    public mutating func finish() {
        guard !finished else { return }
        finished = true
        switch format {
        case .pgsql:
            var p = pg!; pg = nil
            p.finish(); pg = p
        case .json:
            var w = JSONBytesWriter(style: .compact)
            w.beginObject()
            w.field("total_exported", Int64(memoryCount))
            w.field("format", "json")
            w.key("namespaces"); w.strings(namespaces)
            w.key("agents"); w.strings(agents)
            w.endObject()
            bytes.append(contentsOf: Array("],\"stats\":".utf8))
            bytes.append(contentsOf: w.bytes)
            bytes.append(UInt8(ascii: "}"))
        case .jsonl, .csv: break
        }
    }

    /// pgsql row counts (memories, votes, sessions, features).
    public var pgsqlCounts: (memories: Int, votes: Int, sessions: Int, features: Int)? { pg?.counts }
}
