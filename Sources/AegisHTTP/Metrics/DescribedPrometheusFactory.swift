import CoreMetrics
import Prometheus

/// A swift-metrics `MetricsFactory` over one swift-prometheus registry that knows each family's
/// help text and buckets. swift-prometheus's own `PrometheusMetricsFactory` registers every family
/// with an empty help text (so no `# HELP` line, which `promtool check metrics` reports) and takes
/// buckets per label only; this one looks both up in `families`, so the exposition keeps the help
/// lines and buckets of docs/operations.md ("Monitoring").
///
/// The server builds its own registry and factory (never `MetricsSystem.bootstrap`): several
/// servers can live in one process (the tests), each with its own `/metrics`.
struct DescribedPrometheusFactory: MetricsFactory {
    struct Family: Sendable {
        var help: String
        /// Histogram buckets in seconds (timers) or in the recorded unit (aggregating recorders).
        var buckets: [Double] = []
    }

    let registry: PrometheusCollectorRegistry
    let families: [String: Family]

    /// The full name (`unitName` empty: the names already end in their unit) and help text.
    private func help(_ label: String) -> MetricNameDescriptor {
        guard let f = families[label] else { preconditionFailure("metric \(label) is not declared in AegisMetrics.families") }
        return MetricNameDescriptor(metricName: label, unitName: "", helpText: f.help)
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: help(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: help(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: help(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: help(label), labels: dimensions, buckets: families[label]?.buckets ?? [])
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: help(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = (families[label]?.buckets ?? []).map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
        return registry.makeDurationHistogram(descriptor: help(label), labels: dimensions, buckets: buckets)
    }

    // Series are never destroyed: every label value is bounded (route templates, operations,
    // statuses, memory components, project names), and a series that vanished would read as a reset.
    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyMeter(_ handler: any MeterHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}
