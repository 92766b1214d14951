import AegisCore
import AegisEngine
import AegisHTTP
import ArgumentParser
import Foundation
import Logging

/// `aegis-memory serve`: the HTTP server over the embedded store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the Aegis Memory 1.2 HTTP API over the embedded store.",
        discussion: """
        Configuration comes from the environment and a .env file in the working directory
        (see docs/configuration.md). Listens on 127.0.0.1:8000 by default. SIGTERM/SIGINT stop
        accepting connections, finish in-flight requests, then checkpoint the store.
        """)

    @Option(name: .long, help: "Data directory (env AEGIS_DATA_DIR, default ./data).")
    var dataDir: String?
    @Option(name: .long, help: "Address to bind (env AEGIS_HOST, default 127.0.0.1).")
    var host: String?
    @Option(name: .long, help: "Port (env AEGIS_PORT, default 8000; 0 picks a free port).")
    var port: Int?
    @Option(name: .customLong("env-file"), help: "Read settings from this file instead of ./.env.")
    var envFile: String?

    func run() async throws {
        let settings = try ServeSettings.load(envFile: envFile)
        var logger = Logger(label: "aegis-memory")
        logger.logLevel = settings.string("LOG_LEVEL").flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info

        let dataDir = self.dataDir ?? settings.string("AEGIS_DATA_DIR") ?? "./data"
        var http = HTTPServerConfiguration()
        http.host = host ?? settings.string("AEGIS_HOST") ?? "127.0.0.1"
        http.port = try port ?? settings.int("AEGIS_PORT") ?? 8000
        try http.apply(settings)
        guard (0...65535).contains(http.port) else { throw ValidationError("port must be in 0...65535") }
        logger.info("connection limits: request head \(http.requestHeadTimeoutSeconds) s, idle \(http.idleTimeoutSeconds) s, at most \(http.maxConnections) connections (ulimit -n \(ServeSettings.openFileLimit().map(String.init) ?? "unlimited"))")

        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)

        // Keys: AEGIS_API_KEY (default dev-key, loopback only) + named keys in the data dir.
        let explicitKey = settings.string("AEGIS_API_KEY")
        var singleKey: String? = explicitKey ?? "dev-key"
        if !http.isLoopback && singleKey == "dev-key" {
            if explicitKey != nil {
                throw ValidationError("AEGIS_API_KEY=dev-key is only allowed when binding a loopback address; set a real key or use named keys (aegis-memory keys create)")
            }
            singleKey = nil
            logger.warning("listening on a non-loopback address without AEGIS_API_KEY: only named keys (aegis-memory keys create) are accepted")
        }
        let keyFile = (dataDir as NSString).appendingPathComponent(APIKeyFileFormat.fileName)
        let authenticator = Authenticator(.init(singleKey: singleKey,
                                                defaultProject: settings.string("AEGIS_DEFAULT_PROJECT_ID") ?? "default-project",
                                                keyFilePath: keyFile))
        if let e = authenticator.keyFileError { throw ValidationError("cannot read \(keyFile): \(e)") }

        var engineConfig = try ServeEngine.engineConfiguration(settings)
        try settings.applyRetrieval(to: &engineConfig)
        try engineConfig.validate()

        let embedding = try ServeEngine.makeEmbedder(settings, dataDir: dataDir)
        let openStarted = ContinuousClock.now
        let engine = try await ServeEngine.open(dataDir: dataDir, embedder: embedding.embedder, configuration: engineConfig,
                                                settings: settings)
        let opened = openStarted.duration(to: .now)
        // Saved graphs that could not be used were rebuilt (slower start, same answers): say so.
        for note in engine.health().indexesDiscarded { logger.warning("start-up: \(note)") }
        let server = AegisHTTPServer(engine: engine, configuration: http, authenticator: authenticator,
                                     embedder: embedding.embedder, embedderCacheStats: embedding.cacheStats,
                                     recoverySeconds: Double(opened.components.seconds) + Double(opened.components.attoseconds) / 1e18,
                                     logger: logger)
        let host = http.host
        let background = Task { [logger] in
            await engine.runBackgroundServices { logger.error("background service: \($0)") }
        }
        let keyHint = singleKey == "dev-key" ? "dev-key" : (singleKey != nil ? "$AEGIS_API_KEY" : "<a named key>")
        do {
            try await server.run { port in
                let url = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
                print("aegis-memory serving \(url) (data: \(dataDir), embedder: \(embedding.embedder.modelName))")
                print("  health:  curl \(url)/health")
                print("  SDK:     AegisClient(api_key=\"\(keyHint)\", base_url=\"\(url)\")")
                print("  CLI:     AEGIS_API_URL=\(url) AEGIS_API_KEY=\(keyHint) aegis status")
                fflush(nil)
            }
        } catch {
            logger.error("server stopped: \(error)")
            background.cancel()
            _ = await background.value
            try? await engine.close()
            throw error
        }
        background.cancel()
        _ = await background.value
        logger.info("draining finished; checkpointing and closing the store")
        // `close` writes the one final checkpoint (the log keeps everything if it fails).
        do { try await engine.close() } catch { logger.error("final checkpoint or close failed: \(error)"); throw error }
        logger.info("stopped")
    }
}
