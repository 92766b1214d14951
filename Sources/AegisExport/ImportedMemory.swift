import AegisCore

/// One import record, validated: what the file said, with nil for what it did not say.
/// Accepts the v1.2 export record (§4.8), the seed's shorter sample records, records exported by
/// this implementation (every §10.1 column), and `metadata_json` (the migration-schema column
/// name) as an alias of `metadata`. Unknown keys are ignored (like the v1.2 API). Limits follow
/// `/memories/add` (§4.1), so nothing imported could not also have been added.
public struct ImportedMemory: Sendable, Hashable {
    public var id: String?
    public var projectId: String?
    public var content: String
    public var userId: String?
    public var agentId: String?
    public var namespace: String?
    public var scope: Scope?
    public var metadata: JSONObject?
    public var memoryType: MemoryType?
    public var createdAt: Timestamp?
    public var updatedAt: Timestamp?
    public var expiresAt: Timestamp?
    /// `ttl_seconds` (hand-written files): expiry relative to import time when no `expires_at`.
    public var ttlSeconds: Int64?
    public var bulletHelpful: Int64?
    public var bulletHarmful: Int64?
    public var sharedWithAgents: [String]?
    public var derivedFromAgents: [String]?
    public var coordinationMetadata: JSONObject?
    public var isDeprecated: Bool?
    public var deprecatedAt: Timestamp?
    public var deprecatedBy: String?
    public var supersededBy: String?
    public var sourceTrajectoryId: String?
    public var errorPattern: String?
    /// Present only when the file carried embeddings; nil means "embed the content".
    public var embedding: [Float]?

    public init(content: String) { self.content = content }

    public static let maxContentScalars = 100_000
    public static let maxEmbeddingDimension = 65_536

    /// Validates one parsed record. Errors name the field; `index`/`offset` locate the record.
    public static func decode(_ value: JSONValue, index: Int? = nil, offset: Int? = nil) throws(ExportError) -> ImportedMemory {
        func bad(_ field: String, _ msg: String) -> ExportError {
            ExportError(.invalidRecord, msg, record: index, offset: offset, field: field)
        }
        guard case .object(let o) = value else { throw ExportError(.invalidRecord, "record is not a JSON object", record: index, offset: offset) }

        func string(_ k: String, max: Int? = nil, allowEmpty: Bool = true) throws(ExportError) -> String? {
            guard let v = o[k] else { return nil }
            switch v {
            case .null: return nil
            case .string(let s):
                if let max, s.unicodeScalars.count > max { throw bad(k, "longer than \(max) characters") }
                if !allowEmpty && s.isEmpty { throw bad(k, "must not be empty") }
                return s
            default: throw bad(k, "must be a string or null")
            }
        }
        func timestamp(_ k: String) throws(ExportError) -> Timestamp? {
            guard let s = try string(k) else { return nil }
            guard let t = Timestamp(iso8601: s) else { throw bad(k, "not an ISO 8601 timestamp: \(s.prefix(40))") }
            return t
        }
        func int(_ k: String) throws(ExportError) -> Int64? {
            guard let v = o[k] else { return nil }
            switch v {
            case .null: return nil
            case .int(let i): return i
            case .double(let d) where d.rounded() == d && abs(d) < 9e15: return Int64(d)
            case .string(let s) where Int64(s) != nil: return Int64(s)   // Pydantic lax mode
            default: throw bad(k, "must be an integer")
            }
        }
        func object(_ k: String) throws(ExportError) -> JSONObject? {
            guard let v = o[k] else { return nil }
            switch v {
            case .null: return nil
            case .object(let x): return x
            default: throw bad(k, "must be an object or null")
            }
        }
        func strings(_ k: String) throws(ExportError) -> [String]? {
            guard let v = o[k] else { return nil }
            switch v {
            case .null: return nil
            case .array(let a):
                var out: [String] = []
                out.reserveCapacity(a.count)
                for (n, e) in a.enumerated() {
                    guard case .string(let s) = e else { throw bad("\(k).\(n)", "must be a string") }
                    out.append(s)
                }
                return out
            default: throw bad(k, "must be a list of strings or null")
            }
        }

        guard let contentValue = o["content"] else { throw bad("content", "field required") }
        guard case .string(let content) = contentValue else { throw bad("content", "must be a string") }
        let n = content.unicodeScalars.count
        guard n >= 1 else { throw bad("content", "must not be empty") }
        guard n <= maxContentScalars else { throw bad("content", "longer than \(maxContentScalars) characters") }

        var r = ImportedMemory(content: content)
        r.id = try string("id", max: 32, allowEmpty: false)
        if let id = r.id, !id.utf8.allSatisfy({ b in
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 45 || b == 95 }) {
            throw bad("id", "ids may contain only ASCII letters, digits, '-' and '_'")
        }
        r.projectId = try string("project_id", max: 64, allowEmpty: false)
        r.userId = try string("user_id", max: 64)
        r.agentId = try string("agent_id", max: 64)
        r.namespace = try string("namespace", max: 64)
        if let s = try string("scope") {
            guard let sc = Scope(rawValue: s) else { throw bad("scope", "scope must be one of: agent-private, agent-shared, global") }
            r.scope = sc
        }
        if o["metadata"] != nil { r.metadata = try object("metadata") } else { r.metadata = try object("metadata_json") }
        if let t = try string("memory_type", max: 16, allowEmpty: false) { r.memoryType = MemoryType(rawValue: t) }
        r.createdAt = try timestamp("created_at")
        r.updatedAt = try timestamp("updated_at")
        r.expiresAt = try timestamp("expires_at")
        if let ttl = try int("ttl_seconds") {
            guard (1...31_536_000).contains(ttl) else { throw bad("ttl_seconds", "must be between 1 and 31536000") }
            r.ttlSeconds = ttl
        }
        r.bulletHelpful = try int("bullet_helpful")
        r.bulletHarmful = try int("bullet_harmful")
        if let h = r.bulletHelpful, h < 0 { throw bad("bullet_helpful", "must be ≥ 0") }
        if let h = r.bulletHarmful, h < 0 { throw bad("bullet_harmful", "must be ≥ 0") }
        r.sharedWithAgents = try strings("shared_with_agents")
        r.derivedFromAgents = try strings("derived_from_agents")
        r.coordinationMetadata = try object("coordination_metadata")
        if let v = o["is_deprecated"] {
            switch v {
            case .null: break
            case .bool(let b): r.isDeprecated = b
            default: throw bad("is_deprecated", "must be a boolean")
            }
        }
        r.deprecatedAt = try timestamp("deprecated_at")
        r.deprecatedBy = try string("deprecated_by", max: 64)
        r.supersededBy = try string("superseded_by", max: 32)
        r.sourceTrajectoryId = try string("source_trajectory_id", max: 64)
        r.errorPattern = try string("error_pattern", max: 128)
        if let v = o["embedding"] {
            switch v {
            case .null: break
            case .array(let a):
                guard !a.isEmpty, a.count <= maxEmbeddingDimension else { throw bad("embedding", "must have 1…\(maxEmbeddingDimension) components") }
                var e = [Float](); e.reserveCapacity(a.count)
                for (k, x) in a.enumerated() {
                    let f: Float
                    switch x {
                    case .double(let d): f = Float(d)
                    case .int(let i): f = Float(i)
                    default: throw bad("embedding.\(k)", "must be a number")
                    }
                    guard f.isFinite else { throw bad("embedding.\(k)", "must be a finite float32") }
                    e.append(f)
                }
                r.embedding = e
            case .string(let text):
                // pgvector's text form `[0.1,0.2,…]` (rows read back from PostgreSQL).
                guard let e = PostgresText.parseVector(text), !e.isEmpty, e.count <= maxEmbeddingDimension else {
                    throw bad("embedding", "not a vector literal like [0.1,0.2]")
                }
                r.embedding = e
            default: throw bad("embedding", "must be a list of numbers or null")
            }
        }
        return r
    }

    /// A full `Memory` from this record, filling what the file did not say: a fresh id, the
    /// `defaultProjectId`, namespace `default`, `standard`, `{}`/`[]`, created = now,
    /// updated = created, expiry from `ttl_seconds`, scope `fallbackScope` (the engine's inference).
    public func memory(projectId defaultProjectId: String, embedding: [Float], fallbackScope: Scope,
                       now: Timestamp, newId: () -> String = Identifier.uuid4Hex) -> Memory {
        let created = createdAt ?? now
        var expires = expiresAt
        if expires == nil, let ttl = ttlSeconds { expires = now.truncatedToSeconds.adding(seconds: ttl) }
        let deprecated = isDeprecated ?? (deprecatedAt != nil)
        return Memory(
            id: id ?? newId(), projectId: defaultProjectId, userId: userId, agentId: agentId,
            namespace: (namespace?.isEmpty == false ? namespace! : "default"), memoryType: memoryType ?? .standard,
            content: content, embedding: embedding, metadata: metadata ?? [:], scope: scope ?? fallbackScope,
            sharedWithAgents: sharedWithAgents ?? [], derivedFromAgents: derivedFromAgents ?? [],
            coordinationMetadata: coordinationMetadata ?? [:], createdAt: created, updatedAt: updatedAt ?? created,
            expiresAt: expires, bulletHelpful: bulletHelpful ?? 0, bulletHarmful: bulletHarmful ?? 0,
            isDeprecated: deprecated, deprecatedAt: deprecatedAt, deprecatedBy: deprecatedBy,
            supersededBy: supersededBy, sourceTrajectoryId: sourceTrajectoryId, errorPattern: errorPattern)
    }
}
