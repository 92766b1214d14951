import Synchronization

/// A minimal Prometheus registry: labelled counters and histograms plus gauges/counters read
/// from closures at scrape time. Text exposition format 0.0.4.
public final class MetricsRegistry: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    final class Family: Sendable {
        let name: String
        let help: String
        let kind: Kind
        let labelNames: [String]
        let buckets: [Double]
        /// label values joined by \u{1F} → (bucket counts, sum, count) / value
        let series = Mutex<[String: Series]>([:])
        let order = Mutex<[String]>([])
        let reader: (@Sendable () -> Double)?
        /// Series read at scrape time: (label values, value), in the order given.
        let seriesReader: (@Sendable () -> [([String], Double)])?
        init(name: String, help: String, kind: Kind, labelNames: [String], buckets: [Double], reader: (@Sendable () -> Double)?,
             seriesReader: (@Sendable () -> [([String], Double)])? = nil) {
            self.name = name; self.help = help; self.kind = kind; self.labelNames = labelNames
            self.buckets = buckets; self.reader = reader; self.seriesReader = seriesReader
        }
    }
    struct Series: Sendable {
        var labels: [String]
        var value: Double = 0
        var bucketCounts: [UInt64] = []
        var sum: Double = 0
        var count: UInt64 = 0
    }

    private let families = Mutex<[Family]>([])

    public init() {}

    /// Handle for updating a registered family.
    public struct Metric: Sendable {
        let family: Family
        public func inc(_ labels: [String] = [], by v: Double = 1) { family.update(labels) { $0.value += v } }
        public func observe(_ v: Double, _ labels: [String] = []) {
            let b = family.buckets
            family.update(labels) { s in
                if s.bucketCounts.isEmpty { s.bucketCounts = Array(repeating: 0, count: b.count) }
                for (i, le) in b.enumerated() where v <= le { s.bucketCounts[i] += 1 }
                s.sum += v; s.count += 1
            }
        }
        /// Creates the series with value 0 so it is exported before the first event.
        public func touch(_ labels: [String] = []) { family.update(labels) { _ in } }
    }

    @discardableResult
    public func counter(_ name: String, _ help: String, labels: [String] = []) -> Metric {
        register(Family(name: name, help: help, kind: .counter, labelNames: labels, buckets: [], reader: nil))
    }
    @discardableResult
    public func histogram(_ name: String, _ help: String, labels: [String] = [], buckets: [Double]) -> Metric {
        register(Family(name: name, help: help, kind: .histogram, labelNames: labels, buckets: buckets.sorted(), reader: nil))
    }
    /// A gauge or counter whose value is read at scrape time.
    public func readable(_ name: String, _ help: String, kind: Kind, _ read: @escaping @Sendable () -> Double) {
        _ = register(Family(name: name, help: help, kind: kind, labelNames: [], buckets: [], reader: read))
    }

    /// A labelled gauge whose series are all read at scrape time, with one call.
    public func readable(_ name: String, _ help: String, labels: [String], _ read: @escaping @Sendable () -> [([String], Double)]) {
        _ = register(Family(name: name, help: help, kind: .gauge, labelNames: labels, buckets: [], reader: nil, seriesReader: read))
    }

    private func register(_ f: Family) -> Metric {
        families.withLock { $0.append(f) }
        return Metric(family: f)
    }

    /// The exposition text.
    public func render() -> String {
        var out = ""
        out.reserveCapacity(4096)
        for f in families.withLock({ $0 }) {
            out += "# HELP \(f.name) \(f.help)\n# TYPE \(f.name) \(f.kind.rawValue)\n"
            if let r = f.reader {
                out += "\(f.name) \(MetricsRegistry.format(r()))\n"
                continue
            }
            if let r = f.seriesReader {
                for (values, v) in r() where values.count == f.labelNames.count {
                    let labels = zip(f.labelNames, values).map { "\($0)=\"\(MetricsRegistry.escape($1))\"" }.joined(separator: ",")
                    out += "\(f.name){\(labels)} \(MetricsRegistry.format(v))\n"
                }
                continue
            }
            let (keys, series) = (f.order.withLock { $0 }, f.series.withLock { $0 })
            if keys.isEmpty && f.labelNames.isEmpty && f.kind == .counter {
                out += "\(f.name) 0\n"
            }
            for k in keys {
                guard let s = series[k] else { continue }
                let base = zip(f.labelNames, s.labels).map { "\($0)=\"\(MetricsRegistry.escape($1))\"" }
                func labelText(_ extra: [String]) -> String {
                    let all = base + extra
                    return all.isEmpty ? "" : "{" + all.joined(separator: ",") + "}"
                }
                switch f.kind {
                case .histogram:
                    let counts = s.bucketCounts.isEmpty ? Array(repeating: 0, count: f.buckets.count) : s.bucketCounts
                    for (i, le) in f.buckets.enumerated() {
                        out += "\(f.name)_bucket\(labelText(["le=\"\(MetricsRegistry.format(le))\""])) \(counts[i])\n"
                    }
                    out += "\(f.name)_bucket\(labelText(["le=\"+Inf\""])) \(s.count)\n"
                    out += "\(f.name)_sum\(labelText([])) \(MetricsRegistry.format(s.sum))\n"
                    out += "\(f.name)_count\(labelText([])) \(s.count)\n"
                default:
                    out += "\(f.name)\(labelText([])) \(MetricsRegistry.format(s.value))\n"
                }
            }
        }
        return out
    }

    static func format(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return String(d)
    }

    static func escape(_ s: String) -> String {
        var o = ""
        for c in s {
            switch c {
            case "\\": o += "\\\\"
            case "\"": o += "\\\""
            case "\n": o += "\\n"
            default: o.append(c)
            }
        }
        return o
    }
}

extension MetricsRegistry.Family {
    func update(_ labels: [String], _ body: (inout MetricsRegistry.Series) -> Void) {
        precondition(labels.count == labelNames.count, "metric \(name): wrong label count")
        let key = labels.joined(separator: "\u{1F}")
        var isNew = false
        series.withLock { all in
            if all[key] == nil {
                all[key] = MetricsRegistry.Series(labels: labels,
                                                  bucketCounts: kind == .histogram ? Array(repeating: 0, count: buckets.count) : [])
                isNew = true
            }
            body(&all[key]!)
        }
        if isNew { order.withLock { $0.append(key) } }
    }
}
