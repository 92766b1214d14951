import AegisCore
import AegisWire
import Foundation
import Synchronization

/// The one authentication chokepoint (docs/api.md, "Security"; docs/configuration.md, "Keys").
///
/// * Single-key mode: `AEGIS_API_KEY` maps to the default project (unbound).
/// * Named keys from the key file, per project, optionally bound to an agent, with expiry and
///   revocation. The file is re-read when it changes (checked at most once a second), so
///   `aegis-memory keys revoke` takes effect on a running server.
///
/// Keys are compared by SHA-256 digest in constant time; every stored key is compared on every
/// request, so timing reveals neither which key matched nor how many bytes did.
public final class Authenticator: Sendable {
    public struct Configuration: Sendable {
        /// The single key (nil disables single-key mode).
        public var singleKey: String?
        public var defaultProject: String
        /// Path of the key file (nil: named keys disabled).
        public var keyFilePath: String?
        public init(singleKey: String?, defaultProject: String = "default-project", keyFilePath: String? = nil) {
            self.singleKey = singleKey; self.defaultProject = defaultProject; self.keyFilePath = keyFilePath
        }
    }

    struct Entry: Sendable { var record: APIKeyRecord; var digest: [UInt8] }
    struct State: Sendable {
        var entries: [Entry] = []
        var fileStamp: Date? = nil
        var lastCheck: Date = .distantPast
        var loadError: String? = nil
    }

    public let configuration: Configuration
    private let singleDigest: [UInt8]?
    private let state = Mutex(State())
    /// Clock for expiry decisions (tests inject one).
    private let now: @Sendable () -> Timestamp

    public init(_ configuration: Configuration, now: @escaping @Sendable () -> Timestamp = { Timestamp.now() }) {
        self.configuration = configuration
        self.singleDigest = configuration.singleKey.map { SHA256.digest(Array($0.utf8)) }
        self.now = now
        reloadIfChanged(force: true)
    }

    /// Problem reading the key file, if any (reported by `/ready`).
    public var keyFileError: String? { state.withLock { $0.loadError } }

    /// Validates an `Authorization` header value.
    public func authenticate(authorization header: String?) -> Result<Principal, AuthFailure> {
        guard let header, let key = Authenticator.bearerCredentials(header) else { return .failure(.missingHeader) }
        guard !key.isEmpty else { return .failure(.invalidKey) }
        let digest = SHA256.digest(Array(key.utf8))
        reloadIfChanged(force: false)
        var found: Principal? = nil
        var failure: AuthFailure = .invalidKey
        if let singleDigest, constantTimeEquals(singleDigest, digest) {
            found = Principal(project: configuration.defaultProject, keyID: "env")
        }
        let entries = state.withLock { $0.entries }
        let t = now()
        for e in entries {
            // Compare against every entry (no early exit) to keep timing flat.
            if constantTimeEquals(e.digest, digest), found == nil {
                if e.record.revokedAt != nil { failure = .revoked }
                else if e.record.isExpired(at: t) { failure = .expired }
                else { found = Principal(project: e.record.project, boundAgent: e.record.agent, keyID: e.record.id) }
            }
        }
        if let found { return .success(found) }
        return .failure(failure)
    }

    /// The key in a `Bearer` header value, or nil for another scheme (docs/configuration.md,
    /// "Keys"). The scheme matches in any ASCII case (`Bearer`, `bearer`, `BEARER`) and is
    /// followed by one or more spaces; the key is the rest with surrounding ASCII whitespace
    /// trimmed. A tab after the scheme, or no separator at all (`Bearer`, `Bearerkey`), is not
    /// a Bearer header.
    static func bearerCredentials(_ header: String) -> String? {
        let scheme = Array("bearer".utf8)
        let u = Array(header.utf8)
        guard u.count > scheme.count, u[scheme.count] == UInt8(ascii: " ") else { return nil }
        for i in 0..<scheme.count where u[i] | 0x20 != scheme[i] { return nil }
        return String(decoding: u[(scheme.count + 1)...], as: UTF8.self).trimmingASCIIWhitespace
    }

    /// Re-reads the key file when its modification time changed.
    public func reloadIfChanged(force: Bool) {
        guard let path = configuration.keyFilePath else { return }
        let nowDate = Date()
        let shouldCheck = state.withLock { s -> Bool in
            if !force && nowDate.timeIntervalSince(s.lastCheck) < 1 { return false }
            s.lastCheck = nowDate
            return true
        }
        guard shouldCheck else { return }
        let attrs = try? FileManager.default.attributesOfItem(atPath: path)
        let stamp = attrs?[.modificationDate] as? Date
        let size = (attrs?[.size] as? NSNumber)?.intValue ?? 0
        let unchanged = state.withLock { $0.fileStamp == stamp && !force }
        if unchanged { return }
        guard stamp != nil else {
            state.withLock { $0.entries = []; $0.fileStamp = nil; $0.loadError = nil }
            return
        }
        do {
            guard size <= 16 << 20 else { throw APIKeyFileFormat.FormatError(description: "key file larger than 16 MiB") }
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let records = try APIKeyFileFormat.decode(Array(data))
            let entries = records.compactMap { r -> Entry? in
                guard let d = Hex.decode(r.hash) else { return nil }
                return Entry(record: r, digest: d)
            }
            state.withLock { $0.entries = entries; $0.fileStamp = stamp; $0.loadError = nil }
        } catch {
            // Keep the previous keys; report the problem on /ready.
            state.withLock { $0.fileStamp = stamp; $0.loadError = "\(error)" }
        }
    }
}

