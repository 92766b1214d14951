/// Settings of the HTTP layer. The executable fills them from the environment / `.env`
/// (docs/configuration.md); AegisHTTP never reads the environment itself.
public struct HTTPServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 = pick a free port (tests); the bound port is reported by `onRunning`.
    public var port: Int = 8000
    /// Largest request body accepted on ordinary routes (413 above it, before parsing).
    public var maxBodyBytes: Int = 64 << 20
    /// Largest body accepted by `POST /memories/import`.
    public var maxImportBytes: Int = 256 << 20
    public var jsonLimits = JSONReader.Limits()
    public var rateLimits = RateLimiter.Limits(perMinute: 60, perHour: 1000)
    /// Allowed CORS origins; empty = CORS off (no CORS headers, preflights get 405/404).
    public var corsOrigins: [String] = []
    /// NIO event-loop threads that accept, parse and write HTTP (handlers run on Swift's
    /// concurrency pool). 0 = one per core (NIO's shared group).
    public var eventLoopThreads: Int = 0
    /// Close idle keep-alive connections after this many seconds.
    public var idleTimeoutSeconds: Int = 75
    /// Version reported by `/` and `/health`.
    public var version: String = "1.2.0"
    public var serverName: String = "aegis-memory"

    public init() {}

    /// True for 127.0.0.0/8, ::1 and `localhost`.
    public var isLoopback: Bool { HTTPServerConfiguration.isLoopback(host) }

    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
    }
}
