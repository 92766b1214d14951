import AegisHTTP
import Foundation

/// Server settings from the process environment and a `.env` file (contract §13: names are
/// case-insensitive; the process environment wins over `.env`). Every variable is documented
/// in docs/configuration.md.
struct ServeSettings {
    var values: [String: String]  // upper-cased names

    /// Reads `.env` (`NAME=value`, `export NAME=value`, `#` comments, optional quotes) from
    /// `envFile` (default `./.env`, silently absent) and overlays the process environment.
    static func load(envFile: String? = nil) throws -> ServeSettings {
        var v: [String: String] = [:]
        let path = envFile ?? ".env"
        if FileManager.default.fileExists(atPath: path) {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            for (k, val) in parseDotEnv(text) { v[k.uppercased()] = val }
        } else if envFile != nil {
            throw ServeSettingsError("env file not found: \(path)")
        }
        for (k, val) in ProcessInfo.processInfo.environment { v[k.uppercased()] = val }
        return ServeSettings(values: v)
    }

    static func parseDotEnv(_ text: String) -> [(String, String)] {
        var out: [(String, String)] = []
        for raw in text.split(whereSeparator: \.isNewline) {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let f = value.first, f == "\"" || f == "'", value.last == f {
                value = String(value.dropFirst().dropLast())
            } else if let hash = value.range(of: " #") {
                value = value[..<hash.lowerBound].trimmingCharacters(in: .whitespaces)
            }
            if !key.isEmpty { out.append((key, value)) }
        }
        return out
    }

    func string(_ name: String) -> String? {
        guard let s = values[name.uppercased()], !s.isEmpty else { return nil }
        return s
    }

    func int(_ name: String) throws -> Int? {
        guard let s = string(name) else { return nil }
        guard let i = Int(s.trimmingCharacters(in: .whitespaces)) else { throw ServeSettingsError("\(name) must be an integer (got \"\(s)\")") }
        return i
    }
}

struct ServeSettingsError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

extension HTTPServerConfiguration {
    /// Applies the HTTP-related variables of `settings` (host/port come from the command).
    mutating func apply(_ s: ServeSettings) throws {
        rateLimits.perMinute = try s.int("RATE_LIMIT_PER_MINUTE") ?? 60
        rateLimits.perHour = try s.int("RATE_LIMIT_PER_HOUR") ?? 1000
        if let b = try s.int("AEGIS_MAX_BODY_BYTES") { maxBodyBytes = b }
        if let b = try s.int("AEGIS_MAX_IMPORT_BYTES") { maxImportBytes = b }
        if let d = try s.int("AEGIS_JSON_MAX_DEPTH") { jsonLimits.maxDepth = d }
        if let k = try s.int("AEGIS_JSON_MAX_KEYS") { jsonLimits.maxObjectKeys = k }
        if let t = try s.int("AEGIS_IDLE_TIMEOUT_SECONDS") { idleTimeoutSeconds = t }
        if let t = try s.int("AEGIS_REQUEST_HEAD_TIMEOUT_SECONDS") { requestHeadTimeoutSeconds = t }
        guard (1...86_400).contains(idleTimeoutSeconds), (1...3_600).contains(requestHeadTimeoutSeconds) else {
            throw ServeSettingsError("AEGIS_IDLE_TIMEOUT_SECONDS must be in 1...86400 and AEGIS_REQUEST_HEAD_TIMEOUT_SECONDS in 1...3600")
        }
        try applyConnectionCap(s.int("AEGIS_MAX_CONNECTIONS"), openFileLimit: ServeSettings.openFileLimit())
        if let n = try s.int("AEGIS_HTTP_THREADS") {
            guard (0...256).contains(n) else { throw ServeSettingsError("AEGIS_HTTP_THREADS must be in 0...256 (0 = one per core)") }
            eventLoopThreads = n
        }
        corsOrigins = (s.string("CORS_ORIGINS") ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard maxBodyBytes > 0, maxImportBytes > 0, jsonLimits.maxDepth > 0, jsonLimits.maxObjectKeys > 0 else {
            throw ServeSettingsError("body and JSON limits must be positive")
        }
    }
}

extension HTTPServerConfiguration {
    /// Descriptors kept free for the store, the key file and the embedder beside connections.
    static let reservedDescriptors = 64

    /// `AEGIS_MAX_CONNECTIONS` (docs/configuration.md): default 4096, or half the open-file
    /// limit when that is lower; an explicit value must leave `reservedDescriptors` free.
    mutating func applyConnectionCap(_ explicit: Int?, openFileLimit: Int?) throws {
        if let explicit {
            guard explicit >= 1 else { throw ServeSettingsError("AEGIS_MAX_CONNECTIONS must be at least 1") }
            if let limit = openFileLimit, explicit > limit - Self.reservedDescriptors {
                throw ServeSettingsError("AEGIS_MAX_CONNECTIONS=\(explicit) does not fit the open-file limit (ulimit -n = \(limit), \(Self.reservedDescriptors) kept for the store): raise the limit or lower the cap")
            }
            maxConnections = explicit
        } else {
            maxConnections = min(Self.defaultMaxConnections, max(1, (openFileLimit ?? Int.max) / 2))
        }
    }
}

extension ServeSettings {
    /// The soft limit on open files (`ulimit -n`), nil when unlimited or unknown.
    static func openFileLimit() -> Int? {
        var r = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &r) == 0, r.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: r.rlim_cur)
    }
}
