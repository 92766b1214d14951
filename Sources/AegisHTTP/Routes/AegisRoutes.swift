import AegisCore
import AegisWire
import AegisEngine
import Hummingbird

/// The route table: every application route of docs/api.md ("Routes") and docs/openapi.yaml.
/// Each route states its auth requirement; `AegisResponder` enforces it before the handler.
struct AegisRoutes {
    let server: AegisHTTPServer
    var engine: AegisEngine { server.engine }
    var limits: JSONReader.Limits { server.configuration.jsonLimits }

    func all() -> [Route] {
        systemRoutes() + memoryRoutes() + hybridRoutes() + aceRoutes() + sessionRoutes() + dashboardRoutes() + uiRoutes() + mcpRoutes()
    }

    /// Times one engine operation into `aegis_memory_operations_total` / `…_duration_seconds`.
    func measured<T>(_ op: String, _ body: () async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        do {
            let r = try await body()
            server.metrics.recordOperation(op, seconds: AegisRoutes.seconds(since: start), success: true)
            return r
        } catch {
            server.metrics.recordOperation(op, seconds: AegisRoutes.seconds(since: start), success: false)
            throw error
        }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = start.duration(to: .now)
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Query parameters validated like FastAPI `Query(...)` parameters (`loc` = ["query", name]).
    static func queryReader(_ req: RouteRequest) -> FieldReader {
        var o = JSONObject()
        for (k, v) in req.query { o[k] = .string(v) }
        return FieldReader(o, loc: [.key("query")])
    }

    static func checked<T>(_ r: FieldReader, _ value: T) throws(EngineError) -> T {
        if !r.issues.isEmpty { throw EngineError.validation(r.issues) }
        return value
    }
}

extension AegisRoutes {
    func systemRoutes() -> [Route] {
        let cfg = server.configuration
        let engine = self.engine
        let metrics = server.metrics
        let probe = server.probe
        let auth = server.authenticator
        return [
            Route(.get, "/", auth: .open) { _ in
                .json { w in
                    w.beginObject()
                    w.key("name"); w.string("Aegis Memory API")
                    w.key("version"); w.string(cfg.version)
                    w.key("docs"); w.string("/docs")
                    w.key("health"); w.string("/health")
                    w.key("metrics"); w.string("/metrics")
                    w.endObject()
                }
            },
            Route(.get, "/health", auth: .open) { _ in
                let h = engine.health()
                return .json { w in
                    w.beginObject()
                    w.key("status"); w.string(h.writable ? "healthy" : "degraded")
                    w.key("version"); w.string(cfg.version)
                    w.key("features"); w.stringArray(["voting", "delta_updates", "progress_tracking", "feature_tracking", "hybrid_retrieval"])
                    w.key("database"); w.string(h.writable ? "connected" : "read-only")
                    w.key("embedding_model"); w.string(h.embeddingModel)
                    w.key("embedding_dimension"); w.int(h.embeddingDimension)
                    w.key("memories"); w.int(h.indexedMemories)
                    w.key("in_flight"); w.int(h.inFlight)
                    w.key("max_in_flight"); w.int(h.maxInFlight)
                    w.key("indexes_loaded_from_checkpoint"); w.int(h.indexesLoadedFromCheckpoint)
                    w.key("indexes_rebuilt"); w.int(h.indexesRebuilt)
                    w.key("indexes_failed"); w.int(h.failedIndexes.count)
                    w.endObject()
                }
            },
            Route(.get, "/ready", auth: .open) { _ in
                let h = engine.health()
                var reason = h.reason
                var embedding = "healthy"
                if let e = await probe.check() { embedding = "unhealthy"; reason = reason ?? e }
                if reason == nil, let k = auth.keyFileError { reason = "API key file unreadable: \(k)" }
                let ready = reason == nil
                // A failed graph leaves the server ready (searches are exact scans: correct, slower)
                // but degraded, with the reason (docs/operations.md, "Failed graphs").
                let degraded = ready && !h.failedIndexes.isEmpty
                if degraded {
                    reason = "vector index failed for project(s) " + h.failedIndexes.keys.sorted().map { "\($0) (\(h.failedIndexes[$0]!))" }.joined(separator: ", ")
                        + "; searches there are exact scans until the graph is rebuilt (restart, or rebuild-index offline)"
                }
                return .json(ready ? .ok : .serviceUnavailable) { w in
                    w.beginObject()
                    w.key("status"); w.string(degraded ? "degraded" : ready ? "ready" : "not ready")
                    w.key("database"); w.string(h.reason == nil ? "connected" : "unavailable")
                    w.key("embedding_service"); w.string(embedding)
                    if degraded { w.key("index"); w.string("degraded") }
                    if let reason { w.key("reason"); w.string(reason) }
                    w.endObject()
                }
            },
            Route(.get, "/metrics", auth: .open) { _ in
                var h = HTTPFields()
                h[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
                return RouteResponse(status: .ok, headers: h, body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.render())))
            },
        ]
    }
}
