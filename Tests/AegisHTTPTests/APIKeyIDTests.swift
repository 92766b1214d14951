import AegisCore
import Foundation
import Testing
@testable import AegisHTTP

/// Issue 18: a key's public id is random, not a prefix of its secret; key files written with
/// the old ids (the secret's first 8 hex characters) keep loading, authenticating and revoking.
@Suite struct APIKeyIDTests {
    @Test func idsAreIndependentOfTheSecret() {
        var ids = Set<String>()
        var sameFirstDigit = 0
        let n = 2_000
        for _ in 0..<n {
            let (key, id) = APIKeyFileFormat.generateSecret(existingIDs: ids)
            let body = String(key.dropFirst("aegis_".count))
            #expect(key.hasPrefix("aegis_") && body.count == 40 && Hex.decode(body) != nil)
            #expect(id.count == 8 && Hex.decode(id) != nil)
            // No prefix relationship (and not anywhere in the secret: ~8e-9 by chance per key).
            #expect(!key.contains(id), "id \(id) appears in its secret")
            #expect(!ids.contains(id))
            if id.first == body.first { sameFirstDigit += 1 }
            ids.insert(id)
        }
        // Independent digits agree 1/16 of the time (125 of 2,000; σ ≈ 11); the old scheme gave 2,000.
        #expect(sameFirstDigit < 250, "\(sameFirstDigit) of \(n) ids start with their secret's first digit")
    }

    @Test func existingIDsAreAvoided() {
        // Ids already in the file are never handed out again (revoke works by id).
        let taken = Set((0..<64).map { _ in APIKeyFileFormat.generateSecret().id })
        for _ in 0..<200 { #expect(!taken.contains(APIKeyFileFormat.generateSecret(existingIDs: taken).id)) }
    }

    /// A key file as versions before issue 18 wrote it (ids = the secret's first 8 hex digits),
    /// next to a key created now: both load, authenticate, and revoke by id.
    @Test func oldStyleFileStillWorksAndRevokesByID() throws {
        let oldSecret = "aegis_ea78ca5b0123456789abcdef0123456789abcdef"
        let (newSecret, newID) = APIKeyFileFormat.generateSecret(existingIDs: ["ea78ca5b"])
        let text = """
        {"version":1,"keys":[{"id":"ea78ca5b","project":"alpha","agent":null,\
        "sha256":"\(SHA256.hexDigest(Array(oldSecret.utf8)))","created_at":"2026-11-01T10:00:00Z",\
        "expires_at":null,"revoked_at":null}]}

        """
        var keys = try APIKeyFileFormat.decode(Array(text.utf8))
        #expect(keys.map(\.id) == ["ea78ca5b"])
        keys.append(APIKeyRecord(id: newID, project: "beta", agent: nil, hash: SHA256.hexDigest(Array(newSecret.utf8)),
                                 createdAt: Timestamp.now()))
        let path = NSTemporaryDirectory() + "aegis-keys-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(APIKeyFileFormat.encode(keys)).write(to: URL(fileURLWithPath: path))

        let auth = Authenticator(.init(singleKey: nil, keyFilePath: path))
        #expect(auth.authenticate(authorization: "Bearer \(oldSecret)") == .success(Principal(project: "alpha", keyID: "ea78ca5b")))
        #expect(auth.authenticate(authorization: "bearer \(newSecret)") == .success(Principal(project: "beta", keyID: newID)))

        let now = Timestamp.now()
        #expect(APIKeyFileFormat.revoke(id: "ea78ca5b", in: &keys, at: now) == 1)
        #expect(APIKeyFileFormat.revoke(id: newID, in: &keys, at: now) == 1)
        #expect(APIKeyFileFormat.revoke(id: "00000000", in: &keys, at: now) == 0)
        // The file round-trips with the old id unchanged, and both keys now answer "revoked".
        let reread = try APIKeyFileFormat.decode(APIKeyFileFormat.encode(keys))
        #expect(reread.map(\.id) == ["ea78ca5b", newID])
        #expect(reread.allSatisfy { $0.revokedAt != nil })
        let path2 = path + ".2"
        defer { try? FileManager.default.removeItem(atPath: path2) }
        try Data(APIKeyFileFormat.encode(reread)).write(to: URL(fileURLWithPath: path2))
        let auth2 = Authenticator(.init(singleKey: nil, keyFilePath: path2))
        #expect(auth2.authenticate(authorization: "Bearer \(oldSecret)") == .failure(.revoked))
        #expect(auth2.authenticate(authorization: "Bearer \(newSecret)") == .failure(.revoked))
    }

    @Test func revokingAnAlreadyRevokedKeyKeepsItsTime() {
        let first = Timestamp(seconds: 1_000)
        var keys = [APIKeyRecord(id: "aaaa0001", project: "p", agent: nil, hash: String(repeating: "0", count: 64),
                                 createdAt: first, revokedAt: first)]
        #expect(APIKeyFileFormat.revoke(id: "aaaa0001", in: &keys, at: Timestamp(seconds: 2_000)) == 1)
        #expect(keys[0].revokedAt == first)
    }
}
