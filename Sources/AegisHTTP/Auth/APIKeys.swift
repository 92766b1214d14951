import AegisCore

/// One named API key as stored in the key file: only the SHA-256 of the secret is kept.
public struct APIKeyRecord: Sendable, Equatable {
    /// Public identifier shown by `keys list` (the first 8 hex characters of the secret's body).
    public var id: String
    public var project: String
    /// When set, the key acts as this agent only (a body claiming another agent → 403).
    public var agent: String?
    /// Lowercase hex SHA-256 of the full key text.
    public var hash: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp?
    public var revokedAt: Timestamp?

    public init(id: String, project: String, agent: String?, hash: String, createdAt: Timestamp,
                expiresAt: Timestamp? = nil, revokedAt: Timestamp? = nil) {
        self.id = id; self.project = project; self.agent = agent; self.hash = hash
        self.createdAt = createdAt; self.expiresAt = expiresAt; self.revokedAt = revokedAt
    }

    public func isExpired(at now: Timestamp) -> Bool { expiresAt.map { $0 <= now } ?? false }
}

/// Who a request acts as after authentication.
public struct Principal: Sendable, Equatable {
    public var project: String
    /// The agent the key is bound to, if any.
    public var boundAgent: String?
    /// `env` for the single `AEGIS_API_KEY`, else the named key's id.
    public var keyID: String
    public init(project: String, boundAgent: String? = nil, keyID: String) {
        self.project = project; self.boundAgent = boundAgent; self.keyID = keyID
    }
}

public enum AuthFailure: Error, Sendable, Equatable {
    case missingHeader, invalidKey, revoked, expired
    public var detail: String {
        switch self {
        case .missingHeader: return "Missing Authorization header"
        case .invalidKey: return "Invalid API key"
        case .revoked: return "API key revoked"
        case .expired: return "API key expired"
        }
    }
}

/// The key file's content (`<data-dir>/api-keys.json`): `{"version":1,"keys":[…]}`.
public enum APIKeyFileFormat {
    public static let fileName = "api-keys.json"

    public static func encode(_ keys: [APIKeyRecord]) -> [UInt8] {
        var w = JSONWriter()
        w.beginObject()
        w.key("version"); w.int(1)
        w.key("keys"); w.beginArray()
        for k in keys {
            w.beginObject()
            w.key("id"); w.string(k.id)
            w.key("project"); w.string(k.project)
            w.key("agent"); w.optionalString(k.agent)
            w.key("sha256"); w.string(k.hash)
            w.key("created_at"); w.timestamp(k.createdAt)
            w.key("expires_at"); w.optionalTimestamp(k.expiresAt)
            w.key("revoked_at"); w.optionalTimestamp(k.revokedAt)
            w.endObject()
        }
        w.endArray()
        w.endObject()
        return w.bytes + [0x0A]
    }

    public struct FormatError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func decode(_ bytes: [UInt8]) throws -> [APIKeyRecord] {
        let v: JSONValue
        do { v = try JSONReader.parse(bytes) } catch { throw FormatError(description: "key file is not valid JSON: \(error)") }
        guard let o = v.objectValue, case .int(1)? = o["version"], let arr = o["keys"]?.arrayValue else {
            throw FormatError(description: "key file: expected {\"version\":1,\"keys\":[…]}")
        }
        return try arr.enumerated().map { (i, e) in
            guard let r = e.objectValue, let id = r["id"]?.stringValue, let project = r["project"]?.stringValue,
                  let hash = r["sha256"]?.stringValue, hash.count == 64,
                  let created = r["created_at"]?.stringValue.flatMap(Timestamp.init(iso8601:)) else {
                throw FormatError(description: "key file: entry \(i) is malformed")
            }
            func ts(_ k: String) throws -> Timestamp? {
                guard let x = r[k], !x.isNull else { return nil }
                guard let s = x.stringValue, let t = Timestamp(iso8601: s) else {
                    throw FormatError(description: "key file: entry \(i) has a bad \(k)")
                }
                return t
            }
            return APIKeyRecord(id: id, project: project, agent: r["agent"]?.stringValue, hash: hash,
                                createdAt: created, expiresAt: try ts("expires_at"), revokedAt: try ts("revoked_at"))
        }
    }

    /// A fresh secret: `aegis_` + 40 random hex characters. Returns (key text, record id).
    public static func generateSecret() -> (key: String, id: String) {
        var rng = SystemRandomNumberGenerator()
        var bytes: [UInt8] = []
        for _ in 0..<20 { bytes.append(UInt8.random(in: 0...255, using: &rng)) }
        let hex = Hex.encode(bytes)
        return ("aegis_" + hex, String(hex.prefix(8)))
    }
}
