import AegisCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The OpenAI embeddings wire format: request body written by hand (fixed key order; no
/// JSONEncoder), response parsed and checked strictly.
enum OpenAIWire {
    static func requestBody(model: String, inputs: [String], dimensions: Int?) -> Data {
        var s = "{\"model\":" + quote(model) + ",\"input\":["
        for (i, t) in inputs.enumerated() {
            if i > 0 { s += "," }
            s += quote(t)
        }
        s += "],\"encoding_format\":\"float\""
        if let d = dimensions { s += ",\"dimensions\":\(d)" }
        s += "}"
        return Data(s.utf8)
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for s in text.unicodeScalars {
            switch s {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if s.value < 0x20 { out += String(format: "\\u%04x", s.value) } else { out.unicodeScalars.append(s) }
            }
        }
        return out + "\""
    }

    /// Vectors in input order from an embeddings response; throws `.badResponse` on anything off.
    static func parseResponse(_ data: Data, expected count: Int, dimension: Int) throws -> [[Float]] {
        func bad(_ m: String) -> EmbeddingError { EmbeddingError(.badResponse, "embeddings response: \(m)") }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw bad("not a JSON object (\(data.count) bytes: \(snippet(data)))")
        }
        guard let items = obj["data"] as? [Any] else { throw bad("no \"data\" array") }
        guard items.count == count else { throw bad("\(items.count) embeddings for \(count) inputs") }
        var out = [[Float]?](repeating: nil, count: count)
        for (pos, any) in items.enumerated() {
            guard let item = any as? [String: Any], let emb = item["embedding"] as? [Any] else {
                throw bad("data[\(pos)] has no \"embedding\" array (base64 encoding is not requested)")
            }
            let index = (item["index"] as? NSNumber)?.intValue ?? pos
            guard (0..<count).contains(index), out[index] == nil else { throw bad("data[\(pos)].index \(index) is out of range or repeated") }
            guard emb.count == dimension else {
                throw bad("embedding \(index) has \(emb.count) dimensions, expected \(dimension) (check EMBEDDING_DIMENSIONS / OPENAI_EMBED_MODEL)")
            }
            var v = [Float](repeating: 0, count: dimension)
            var norm: Double = 0
            for (j, x) in emb.enumerated() {
                guard let n = x as? NSNumber, n.doubleValue.isFinite else { throw bad("embedding \(index)[\(j)] is not a finite number") }
                v[j] = n.floatValue
                norm += n.doubleValue * n.doubleValue
            }
            guard norm > 0 else { throw bad("embedding \(index) is all zeros") }
            let inv = Float(1 / norm.squareRoot())
            for j in v.indices { v[j] *= inv }
            out[index] = v
        }
        return out.map { $0! }
    }

    /// The provider's error message (`{"error":{"message":…}}`) or the start of the body.
    static func errorMessage(_ data: Data) -> String {
        if let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            if let e = obj["error"] as? [String: Any], let m = e["message"] as? String { return m }
            if let m = obj["error"] as? String { return m }
            if let m = obj["message"] as? String { return m }
        }
        return snippet(data)
    }

    static func snippet(_ data: Data) -> String {
        let s = String(decoding: data.prefix(200), as: UTF8.self)
        return s.isEmpty ? "empty body" : s
    }

    /// Seconds to wait from `Retry-After` (delta-seconds or HTTP-date) or `retry-after-ms`.
    static func retryAfter(_ response: HTTPURLResponse, now: Date = Date()) -> TimeInterval? {
        if let ms = response.value(forHTTPHeaderField: "retry-after-ms"), let v = Double(ms), v >= 0 { return v / 1000 }
        guard let raw = response.value(forHTTPHeaderField: "Retry-After")?.trimmingCharacters(in: .whitespaces) else { return nil }
        if let v = Double(raw), v >= 0, v.isFinite { return v }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        if let d = f.date(from: raw) { return max(0, d.timeIntervalSince(now)) }
        return nil
    }
}
