import AegisWire
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
    /// Close idle keep-alive connections after this many seconds (also bounds a stalled
    /// request body: the time since the last part read).
    public var idleTimeoutSeconds: Int = 75
    /// Close a connection whose request head is not complete this many seconds after the
    /// accept, or after the first byte of a kept-alive connection's next request.
    public var requestHeadTimeoutSeconds: Int = 10
    /// Open connections at which the server stops accepting (new ones wait in the listen
    /// backlog). The executable lowers the default to half the open-file limit when that is
    /// smaller (docs/configuration.md).
    public var maxConnections: Int = HTTPServerConfiguration.defaultMaxConnections
    public static let defaultMaxConnections = 4096
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
