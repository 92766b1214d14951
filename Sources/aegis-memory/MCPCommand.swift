import AegisCore
import AegisEngine
import AegisHTTP
import AegisMCP
import ArgumentParser
import Foundation
import Logging

/// `aegis-memory mcp`: the MCP server on stdin/stdout (docs/mcp.md). With `AEGIS_API_URL` it
/// forwards every message to that server's `/mcp` with `AEGIS_API_KEY` (many agents, one
/// store); without, it opens the data directory itself (one local agent, no server).
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the MCP tools on stdin/stdout (for Claude Desktop, Cursor, and other MCP clients).",
        discussion: """
        With AEGIS_API_URL (and AEGIS_API_KEY) set, messages go to that server's /mcp endpoint: the key's
        project, agent binding and rate limits apply there. Without AEGIS_API_URL the data directory is
        opened directly; it must not be in use by a running server. Logs go to stderr.
        """)

    @Option(name: .long, help: "Data directory for local mode (env AEGIS_DATA_DIR, default ./data).")
    var dataDir: String?
    @Option(name: .long, help: "Project of local mode (env AEGIS_DEFAULT_PROJECT_ID, default default-project).")
    var project: String?
    @Option(name: .long, help: "Local mode: act only as this agent (like an agent-bound key).")
    var agent: String?
    @Option(name: .customLong("env-file"), help: "Read settings from this file instead of ./.env.")
    var envFile: String?

    func run() async throws {
        // stdout carries only MCP messages.
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let settings = try ServeSettings.load(envFile: envFile)
        if let url = settings.string("AEGIS_API_URL") {
            if dataDir != nil || project != nil || agent != nil {
                throw ValidationError("--data-dir, --project and --agent are for local mode; with AEGIS_API_URL the key decides (unset AEGIS_API_URL to open a data directory)")
            }
            try await MCPForwarder(baseURL: url, apiKey: settings.string("AEGIS_API_KEY")).run()
            return
        }
        try await runLocal(settings)
    }

    private func runLocal(_ settings: ServeSettings) async throws {
        let dataDir = self.dataDir ?? settings.string("AEGIS_DATA_DIR") ?? "./data"
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let engineConfig = try ServeEngine.engineConfiguration(settings)
        let embedding = try ServeEngine.makeEmbedder(settings, dataDir: dataDir)
        let engine: AegisEngine
        do {
            engine = try await ServeEngine.open(dataDir: dataDir, embedder: embedding.embedder, configuration: engineConfig,
                                                settings: settings)
        } catch let e as EngineError where e.code == .unavailable && e.message.contains("locked") {
            // The engine reports the store's lock as `unavailable` with the lock message (StoreBackend).
            throw ValidationError("""
                \(e.message)
                A running server owns this directory: point the MCP client at it instead, with AEGIS_API_URL=<server url> and AEGIS_API_KEY=<key> (docs/mcp.md).
                """)
        }
        let caller = MCPCaller(project: project ?? settings.string("AEGIS_DEFAULT_PROJECT_ID") ?? "default-project",
                               boundAgent: agent)
        let logger = Logger(label: "aegis-memory.mcp")
        let background = Task { await engine.runBackgroundServices { logger.error("background service: \($0)") } }
        let service = AegisMCPService(engine: engine, version: HTTPServerConfiguration().version)
        var failure: Error?
        do { try await service.runStdio(caller: caller) } catch { failure = error }
        background.cancel()
        _ = await background.value
        try await engine.close()
        if let failure { throw failure }
    }
}
