import AegisCore
import AegisWire

/// One named API key as stored in the key file: only the SHA-256 of the secret is kept.
public struct APIKeyRecord: Sendable, Equatable {
    /// Public identifier shown by `keys list`: 8 random hex characters, unrelated to the
    /// secret. Keys created by earlier versions used the secret's first 8 hex characters;
    /// those ids are kept as they are (docs/configuration.md, "Keys").
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

    /// Marks every active key whose id is `id` as revoked at `now`; returns how many keys carry
    /// that id (0: no such key). Ids are unique for keys created by `generateSecret`; an old
    /// file could in theory hold two equal ids, and revoking both is the safe reading.
    public static func revoke(id: String, in keys: inout [APIKeyRecord], at now: Timestamp) -> Int {
        var matched = 0
        for i in keys.indices where keys[i].id == id {
            matched += 1
            if keys[i].revokedAt == nil { keys[i].revokedAt = now }
        }
        return matched
    }

    /// A fresh secret, `aegis_` + 40 random hex characters, and its public id: 8 hex characters
    /// drawn separately, so the id reveals nothing about the secret, and distinct from every id
    /// in `existingIDs` (revoke works by id).
    public static func generateSecret(existingIDs: Set<String> = []) -> (key: String, id: String) {
        var rng = SystemRandomNumberGenerator()
        func randomHex(_ byteCount: Int) -> String {
            Hex.encode((0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        let key = "aegis_" + randomHex(20)
        var id = randomHex(4)
        while existingIDs.contains(id) { id = randomHex(4) }
        return (key, id)
    }
}
