import AegisCore
import AegisWire
import AegisEngine
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Assembles the route table, the pipeline and the Hummingbird application around one engine.
///
/// ```swift
/// let server = AegisHTTPServer(engine: engine, configuration: cfg, authenticator: auth)
/// try await server.run()            // until SIGTERM/SIGINT; drains in-flight requests
/// ```
public final class AegisHTTPServer: Sendable {
    public let engine: AegisEngine
    public let configuration: HTTPServerConfiguration
    public let authenticator: Authenticator
    public let limiter: RateLimiter
    public let metrics: AegisMetrics
    let probe: EmbedderProbe
    let logger: Logger

    /// - Parameters:
    ///   - embedderCacheStats: (hits, misses) of the embedder's cache, for `/metrics`.
    ///   - recoverySeconds: how long opening the engine took (`aegis_recovery_duration_seconds`).
    public init(engine: AegisEngine, configuration: HTTPServerConfiguration, authenticator: Authenticator,
                embedder: (any Embedder)? = nil,
                embedderCacheStats: @escaping @Sendable () -> (hits: Int, misses: Int) = { (0, 0) },
                recoverySeconds: Double? = nil,
                logger: Logger = Logger(label: "aegis.http")) {
        self.engine = engine
        self.configuration = configuration
        self.authenticator = authenticator
        self.limiter = RateLimiter(limits: configuration.rateLimits)
        self.metrics = AegisMetrics(sources: .init(
            cacheHits: { Double(embedderCacheStats().hits) },
            cacheMisses: { Double(embedderCacheStats().misses) },
            poolSize: { Double(engine.maxInFlightOperations) },
            poolCheckedOut: { Double(engine.inFlightOperations) },
            memoryBytes: { engine.memoryUsage().components.map { ($0.name, $0.bytes) } },
            failedIndexes: { Double(engine.health().failedIndexes.count) },
            graphs: { engine.graphHealth().map { ($0.project, $0.memories, $0.healthy) } },
            checkpointSeconds: { engine.checkpointDurations },
            recoverySeconds: recoverySeconds))
        self.probe = EmbedderProbe(embedder: embedder)
        self.logger = logger
    }

    /// Every route the server answers (the auth census enumerates this).
    public var routes: RouteTable { RouteTable(AegisRoutes(server: self).all()) }

    public func responder() -> AegisResponder {
        AegisResponder(table: routes, configuration: configuration, authenticator: authenticator,
                       limiter: limiter, metrics: metrics, logger: logger)
    }

    /// The Hummingbird application. `onRunning` receives the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        // Connection limits (docs/configuration.md): idle keep-alive timeout, request-head
        // guard (timeout and JSON answers to malformed heads; one per connection, after the HTTP
        // decoder), and the connection cap.
        let headTimeout = TimeAmount.seconds(Int64(configuration.requestHeadTimeoutSeconds))
        let logger = self.logger
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [RequestHeadGuard(timeout: headTimeout, logger: logger)],
            idleTimeout: .seconds(Int64(configuration.idleTimeoutSeconds)))
        return Application(
            responder: responder(),
            server: .http1(configuration: http1),
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: configuration.serverName,
                availableConnectionsDelegate: ConnectionLimit(maxConnections: configuration.maxConnections, logger: logger)),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            eventLoopGroupProvider: configuration.eventLoopThreads > 0
                ? .shared(AegisHTTPServer.eventLoopGroup(threads: configuration.eventLoopThreads)) : .singleton,
            logger: logger)
    }

    /// One process-wide group per thread count (never shut down, like NIO's singleton).
    private static let groups = Mutex<[Int: MultiThreadedEventLoopGroup]>([:])
    static func eventLoopGroup(threads: Int) -> MultiThreadedEventLoopGroup {
        groups.withLock { g in
            if let e = g[threads] { return e }
            let e = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            g[threads] = e
            return e
        }
    }

    /// Runs until SIGTERM/SIGINT, then stops accepting, finishes in-flight requests and returns.
    /// The caller checkpoints and closes the engine afterwards.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let app = application(onRunning: onRunning)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
    }
}
