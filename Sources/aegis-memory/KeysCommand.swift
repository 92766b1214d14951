import AegisCore
import AegisHTTP
import ArgumentParser
import Foundation

/// `aegis-memory keys create|list|revoke`: named API keys per project, stored hashed in
/// `<data-dir>/api-keys.json`. A running server picks up changes within a second.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Manage named API keys (per project, optionally bound to an agent).",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Common: ParsableArguments {
        @Option(name: .long, help: "Data directory (env AEGIS_DATA_DIR, default ./data).")
        var dataDir: String?
        var path: String {
            let dir = dataDir ?? ProcessInfo.processInfo.environment["AEGIS_DATA_DIR"] ?? "./data"
            return (dir as NSString).appendingPathComponent(APIKeyFileFormat.fileName)
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a key; prints the secret once.")
        @OptionGroup var common: Common
        @Option(name: .long, help: "Project the key acts in.") var project: String
        @Option(name: .long, help: "Bind the key to this agent (bodies claiming another agent get 403).") var agent: String?
        @Option(name: .long, help: "Expiry: an ISO-8601 time or a duration such as 30d, 12h, 45m.") var expires: String?

        func run() throws {
            guard !project.isEmpty, project.unicodeScalars.count <= 64 else { throw ValidationError("--project must be 1...64 characters") }
            if let agent, agent.isEmpty || agent.unicodeScalars.count > 64 { throw ValidationError("--agent must be 1...64 characters") }
            let now = Timestamp.now()
            let expiry = try expires.map { try KeysCommand.parseExpiry($0, now: now) }
            var keys = try KeysCommand.load(common.path)
            let (secret, id) = APIKeyFileFormat.generateSecret(existingIDs: Set(keys.map(\.id)))
            keys.append(APIKeyRecord(id: id, project: project, agent: agent, hash: SHA256.hexDigest(Array(secret.utf8)),
                                     createdAt: now, expiresAt: expiry))
            try KeysCommand.save(keys, to: common.path)
            print(secret)
            FileHandle.standardError.write(Data("key \(id) created for project \(project)\(agent.map { " (agent \($0))" } ?? "")\(expiry.map { ", expires \($0.iso8601())" } ?? ""); the secret is shown only once\n".utf8))
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (never the secrets).")
        @OptionGroup var common: Common
        func run() throws {
            let now = Timestamp.now()
            let keys = try KeysCommand.load(common.path)
            print("ID        PROJECT                AGENT              STATE     CREATED               EXPIRES")
            for k in keys {
                let state = k.revokedAt != nil ? "revoked" : (k.isExpired(at: now) ? "expired" : "active")
                func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
                print(pad(k.id, 10) + pad(k.project, 23) + pad(k.agent ?? "-", 19) + pad(state, 10)
                      + pad(k.createdAt.iso8601(fraction: .none), 22) + (k.expiresAt?.iso8601(fraction: .none) ?? "never"))
            }
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a key by id.")
        @OptionGroup var common: Common
        @Argument(help: "Key id as shown by `keys list`.") var id: String
        func run() throws {
            var keys = try KeysCommand.load(common.path)
            let matched = APIKeyFileFormat.revoke(id: id, in: &keys, at: Timestamp.now())
            guard matched > 0 else { throw ValidationError("no key with id \(id)") }
            try KeysCommand.save(keys, to: common.path)
            print(matched == 1 ? "key \(id) revoked" : "\(matched) keys with id \(id) revoked")
        }
    }

    static func parseExpiry(_ s: String, now: Timestamp) throws -> Timestamp {
        if let t = Timestamp(iso8601: s) { return t }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        if let u = s.last, let mult = units[u], let n = Int64(s.dropLast()), n > 0 {
            return now.adding(seconds: n * mult)
        }
        throw ValidationError("--expires must be an ISO-8601 time or a duration like 30d, 12h, 45m")
    }

    static func load(_ path: String) throws -> [APIKeyRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try APIKeyFileFormat.decode(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// Writes to a temp file, fsyncs, renames over the old file (mode 0600).
    static func save(_ keys: [APIKeyRecord], to path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir.isEmpty ? "." : dir, withIntermediateDirectories: true)
        let tmp = path + ".tmp"
        let bytes = APIKeyFileFormat.encode(keys)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw ValidationError("cannot write \(tmp): errno \(errno)") }
        let ok = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) == $0.count } && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, path) == 0 else { throw ValidationError("cannot write \(path): errno \(errno)") }
    }
}
