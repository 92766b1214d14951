import AegisCore
import AegisEmbedding
import AegisEngine
import ArgumentParser
import Foundation

/// Shared plumbing of the operations commands (export, import, backup, restore).
enum OpsSupport {
    /// Writes to a file (through `<path>.tmp`, renamed on success, so a failed run never leaves a
    /// half-written file under the final name) or to stdout.
    final class Output {
        let path: String?
        private let handle: FileHandle
        private(set) var bytes: Int64 = 0
        init(path: String?) throws {
            self.path = path
            if let path {
                let tmp = path + ".tmp"
                guard FileManager.default.createFile(atPath: tmp, contents: nil) else {
                    throw ValidationErrorMessage("cannot create \(tmp)")
                }
                handle = try FileHandle(forWritingTo: URL(fileURLWithPath: tmp))
            } else {
                handle = FileHandle.standardOutput
            }
        }
        func write(_ b: [UInt8]) throws {
            guard !b.isEmpty else { return }
            try handle.write(contentsOf: b)
            bytes += Int64(b.count)
        }
        func commit() throws {
            guard let path else { return }
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
            try FileManager.default.moveItem(atPath: path + ".tmp", toPath: path)
        }
        func abandon() {
            guard let path else { return }
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path + ".tmp")
        }
    }

    struct ValidationErrorMessage: Error, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// Messages and summaries go to stderr (stdout may carry the export itself).
    static func note(_ s: String) { FileHandle.standardError.write(Data((s + "\n").utf8)) }

    static var isTTY: Bool { isatty(2) == 1 }

    /// A one-line progress indicator on a terminal (stderr), silent otherwise.
    struct Progress {
        let label: String
        var last = Date.distantPast
        mutating func update(_ done: Int64, _ total: Int64?, unit: String = "bytes") {
            guard OpsSupport.isTTY, Date().timeIntervalSince(last) > 0.2 else { return }
            last = Date()
            if let total, total > 0 {
                let pct = Double(done) / Double(total) * 100
                let bar = String(repeating: "#", count: Int(pct / 5)) + String(repeating: ".", count: 20 - Int(pct / 5))
                FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(String(format: "%5.1f", pct))% \(done)/\(total) \(unit)".utf8))
            } else {
                FileHandle.standardError.write(Data("\r\(label) \(done) \(unit)".utf8))
            }
        }
        func done() { if OpsSupport.isTTY { FileHandle.standardError.write(Data("\n".utf8)) } }
    }

    /// The embedder a store was built with (import embeds records without vectors with it).
    static func embedder(dataDir: String, kind: String?) throws -> any Embedder {
        let env = ProcessInfo.processInfo.environment
        let recorded = try? AegisEngine.recordedEmbeddingModel(directory: dataDir)
        let k = kind ?? env["AEGIS_EMBEDDER"] ?? (recorded?.name.hasPrefix("hash-") == true ? "hash" : EmbedderFactory.defaultKind)
        var environment = env
        if k == "hash", let d = recorded?.dimension { environment["AEGIS_HASH_DIMENSION"] = String(d) }
        return try EmbedderFactory.make(kind: k, environment: environment)
    }

    /// An engine configuration with the bulk graph insert settings of the environment
    /// (`AEGIS_HNSW_BULK_THRESHOLD`, `AEGIS_HNSW_BULK_THREADS`; docs/configuration.md), validated.
    static func bulkInsertConfiguration(_ env: [String: String]) throws -> EngineConfiguration {
        func int(_ name: String) throws -> Int? {
            guard let text = env[name] else { return nil }
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("\(name) must be an integer (got \"\(text)\")") }
            return v
        }
        var config = EngineConfiguration()
        if let v = try int("AEGIS_HNSW_BULK_THRESHOLD") { config.hnswBulkInsertThreshold = v }
        if let v = try int("AEGIS_HNSW_BULK_THREADS") { config.hnswBulkInsertThreads = v }
        try config.validate()
        return config
    }

    /// Minimal JSON object line for `--json` summaries (ordered keys).
    static func jsonLine(_ pairs: [(String, Any?)]) -> String {
        func enc(_ v: Any?) -> String {
            switch v {
            case nil: return "null"
            case let s as String:
                var out = "\""
                for u in s.unicodeScalars {
                    switch u {
                    case "\"": out += "\\\""
                    case "\\": out += "\\\\"
                    case "\n": out += "\\n"
                    case "\r": out += "\\r"
                    case "\t": out += "\\t"
                    default: if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
                    }
                }
                return out + "\""
            case let b as Bool: return b ? "true" : "false"
            case let i as Int: return String(i)
            case let i as Int64: return String(i)
            case let i as UInt64: return String(i)
            case let d as Double: return d.isFinite ? String(d) : "null"
            case let a as [String]: return "[" + a.map { enc($0) }.joined(separator: ",") + "]"
            case let a as [[(String, Any?)]]: return "[" + a.map { jsonLine($0) }.joined(separator: ",") + "]"
            default: return "null"
            }
        }
        return "{" + pairs.map { enc($0.0) + ":" + enc($0.1) }.joined(separator: ",") + "}"
    }
}
