import AegisCore
import Foundation
import Testing
@testable import AegisHTTP

@Suite struct AuthenticatorTests {
    func tempKeyFile(_ keys: [APIKeyRecord]) throws -> String {
        let path = NSTemporaryDirectory() + "aegis-keys-\(UUID().uuidString).json"
        try Data(APIKeyFileFormat.encode(keys)).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func singleKeyMode() {
        let a = Authenticator(.init(singleKey: "dev-key", defaultProject: "default-project"))
        #expect(a.authenticate(authorization: "Bearer dev-key") == .success(Principal(project: "default-project", keyID: "env")))
        #expect(a.authenticate(authorization: "Bearer  dev-key  ") == .success(Principal(project: "default-project", keyID: "env")))
        #expect(a.authenticate(authorization: nil) == .failure(.missingHeader))
        #expect(a.authenticate(authorization: "Basic ZGV2LWtleQ==") == .failure(.missingHeader))
        #expect(a.authenticate(authorization: "Bearer ") == .failure(.invalidKey))
        #expect(a.authenticate(authorization: "Bearer dev-keyx") == .failure(.invalidKey))
    }

    /// Issue 18: the scheme is case-insensitive; the separator is one or more spaces; nothing
    /// else about the header is loosened.
    @Test(arguments: ["bearer dev-key", "BEARER dev-key", "bEaReR dev-key", "Bearer   dev-key", "bearer dev-key \t"])
    func schemeInAnyCase(_ header: String) {
        let a = Authenticator(.init(singleKey: "dev-key", defaultProject: "default-project"))
        #expect(a.authenticate(authorization: header) == .success(Principal(project: "default-project", keyID: "env")))
    }

    @Test(arguments: [
        ("Bearer", AuthFailure.missingHeader), ("bearer", .missingHeader), ("Bearerdev-key", .missingHeader),
        ("Bearer\tdev-key", .missingHeader), ("Bearer-dev-key", .missingHeader), ("Beare dev-key", .missingHeader),
        ("Bearers dev-key", .missingHeader), ("Token dev-key", .missingHeader), ("Basic ZGV2LWtleQ==", .missingHeader),
        ("B\u{00E9}arer dev-key", .missingHeader), ("", .missingHeader),
        ("bearer   ", .invalidKey), ("bearer DEV-KEY", .invalidKey), ("bearer dev key", .invalidKey),
        ("bearer dev-key dev-key", .invalidKey),
    ])
    func malformedHeadersStayRefused(_ header: String, _ expected: AuthFailure) {
        let a = Authenticator(.init(singleKey: "dev-key", defaultProject: "default-project"))
        #expect(a.authenticate(authorization: header) == .failure(expected), "\(header)")
    }

    @Test func namedKeysRevokedExpiredBound() throws {
        let now = Timestamp.now()
        let path = try tempKeyFile([
            TestServer.key("k-alpha", project: "alpha", id: "aaaa0001"),
            TestServer.key("k-bound", project: "alpha", agent: "agent-x", id: "aaaa0002"),
            TestServer.key("k-revoked", project: "alpha", id: "aaaa0003", revokedAt: now),
            TestServer.key("k-expired", project: "alpha", id: "aaaa0004", expiresAt: now.adding(seconds: -1)),
            TestServer.key("k-future", project: "beta", id: "aaaa0005", expiresAt: now.adding(seconds: 3600)),
        ])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = Authenticator(.init(singleKey: nil, keyFilePath: path))
        #expect(a.authenticate(authorization: "Bearer k-alpha") == .success(Principal(project: "alpha", keyID: "aaaa0001")))
        #expect(a.authenticate(authorization: "Bearer k-bound") == .success(Principal(project: "alpha", boundAgent: "agent-x", keyID: "aaaa0002")))
        #expect(a.authenticate(authorization: "Bearer k-revoked") == .failure(.revoked))
        #expect(a.authenticate(authorization: "Bearer k-expired") == .failure(.expired))
        #expect(a.authenticate(authorization: "Bearer k-future") == .success(Principal(project: "beta", keyID: "aaaa0005")))
        #expect(a.authenticate(authorization: "Bearer dev-key") == .failure(.invalidKey))
    }

    @Test func keyFileStoresOnlyHashes() throws {
        let bytes = APIKeyFileFormat.encode([TestServer.key("super-secret-value", project: "p")])
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(!text.contains("super-secret-value"))
        #expect(try APIKeyFileFormat.decode(bytes).count == 1)
    }

    @Test func revocationIsPickedUpWithoutRestart() async throws {
        var rec = TestServer.key("k-live", project: "alpha", id: "bbbb0001")
        let path = try tempKeyFile([rec])
        defer { try? FileManager.default.removeItem(atPath: path) }
        let a = Authenticator(.init(singleKey: nil, keyFilePath: path))
        #expect(a.authenticate(authorization: "Bearer k-live") == .success(Principal(project: "alpha", keyID: "bbbb0001")))
        rec.revokedAt = Timestamp.now()
        try await Task.sleep(for: .milliseconds(20))
        try Data(APIKeyFileFormat.encode([rec])).write(to: URL(fileURLWithPath: path))
        try await Task.sleep(for: .milliseconds(1100))
        #expect(a.authenticate(authorization: "Bearer k-live") == .failure(.revoked))
    }

    @Test func generatedSecretsAreDistinct() {
        let a = APIKeyFileFormat.generateSecret(), b = APIKeyFileFormat.generateSecret()
        #expect(a.key != b.key)
        #expect(a.key.hasPrefix("aegis_") && a.key.count == 46)
    }

    @Test func constantTimeCompare() {
        #expect(constantTimeEquals([1, 2, 3], [1, 2, 3]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2, 4]))
        #expect(!constantTimeEquals([1, 2, 3], [1, 2]))
    }
}

@Suite struct RouteTableTests {
    let table = RouteTable([
        Route(.get, "/memories/{memory_id}", auth: .project) { _ in .noContent },
        Route(.delete, "/memories/{memory_id}", auth: .project) { _ in .noContent },
        Route(.post, "/memories/add", auth: .project) { _ in .noContent },
        Route(.get, "/memories/ace/session/{session_id}", auth: .project) { _ in .noContent },
    ])

    @Test func resolution() {
        guard case .found(let r, let p) = table.resolve(method: .get, path: "/memories/abc%20def") else { Issue.record("no match"); return }
        #expect(r.template == "/memories/{memory_id}")
        #expect(p["memory_id"] == "abc def")
        guard case .methodNotAllowed(let allow) = table.resolve(method: .get, path: "/memories/add") else {
            // GET /memories/add matches /memories/{memory_id} (like FastAPI) → found.
            return
        }
        Issue.record("unexpected 405 \(allow)")
    }

    @Test func methodNotAllowedAndRedirectAndNotFound() {
        if case .methodNotAllowed(let allow) = table.resolve(method: .put, path: "/memories/x") {
            #expect(Set(allow.map(\.rawValue)) == ["GET", "DELETE"])
        } else { Issue.record("expected 405") }
        // The most specific path decides `Allow` (Starlette): not the GET/DELETE of `{memory_id}`.
        if case .methodNotAllowed(let allow) = table.resolve(method: .put, path: "/memories/add") {
            #expect(allow.map(\.rawValue) == ["POST"])
        } else { Issue.record("expected 405") }
        if case .methodNotAllowed(let allow) = table.resolve(method: .options, path: "/memories/add") {
            #expect(allow.map(\.rawValue) == ["POST"])
        } else { Issue.record("expected 405") }
        if case .redirect(let to) = table.resolve(method: .post, path: "/memories/add/") { #expect(to == "/memories/add") } else {
            Issue.record("expected redirect")
        }
        if case .notFound = table.resolve(method: .get, path: "/nope/x/y") {} else { Issue.record("expected 404") }
    }
}
