/// Format upgrades (`aegis-memory migrate`): a chain of steps per component, each taking one
/// version to the next. Every step is carried out the same way — the current binary reads the
/// older format (a step may only be registered when the readers still accept its `from`
/// version) and a checkpoint rewrites the state in the current format: a new snapshot (with
/// the index section and its graphs) and a new manifest. Log segments are kept as they are
/// (they are append-only history and the current reader reads them); they leave the store
/// through the ordinary checkpoint retention.
///
/// A step is registered only while the readers still accept its `from` version, and comes with
/// a fixture test (Fixtures/store-v1 holds a version-1 store).
extension StoreFormat {
    public struct Step: Sendable, Hashable {
        public var component: Component
        public var from: Int
        public var to: Int
        public var summary: String
        public init(component: Component, from: Int, to: Int, summary: String) {
            self.component = component; self.from = from; self.to = to; self.summary = summary
        }
    }

    /// The registered upgrade steps (docs/format-storage.md, "Upgrades").
    public static let steps: [Step] = [
        Step(component: .hnswGraph, from: 1, to: 2,
             summary: "graphs stop storing a copy of every vector (the engine reads the snapshot's vector section in place) and carry their int8 traversal codes, so a start reads neither"),
    ]

    public enum PlanError: Error, Sendable, Hashable, CustomStringConvertible {
        /// A file is newer than this binary: upgrade aegis-memory instead (never downgrade).
        case newer(file: String, component: Component, version: Int, supported: Int)
        /// An older version without a chain of steps to the current one.
        case noPath(file: String, component: Component, version: Int, current: Int)

        public var description: String {
            switch self {
            case .newer(let file, let c, let v, let s):
                return "\(file): \(c.rawValue) format version \(v) is newer than this aegis-memory supports (\(s)); use a newer aegis-memory — nothing was changed"
            case .noPath(let file, let c, let v, let cur):
                return "\(file): \(c.rawValue) format version \(v) has no upgrade path to version \(cur) in this aegis-memory — nothing was changed"
            }
        }
    }

    /// The steps that take every older file of `report` to the current versions, in order
    /// (component order, then version). Throws for a newer version or a gap in the chain.
    /// `current` is the version this binary writes per component (a parameter for tests).
    public static func plan(_ report: Report, steps: [Step] = StoreFormat.steps,
                            current: (Component) -> Int = { $0.currentVersion }) throws(PlanError) -> [Step] {
        if let n = report.findings.first(where: { $0.version > current($0.component) }) {
            throw .newer(file: n.file, component: n.component, version: n.version, supported: current(n.component))
        }
        var out: [Step] = []
        let older = report.findings.filter { $0.version < current($0.component) && !$0.component.alsoCurrent.contains($0.version) }
        for f in older.sorted(by: { ($0.component, $0.version) < ($1.component, $1.version) }) {
            var v = f.version
            while v < current(f.component) {
                guard let s = steps.first(where: { $0.component == f.component && $0.from == v && $0.to > v }) else {
                    throw .noPath(file: f.file, component: f.component, version: f.version, current: current(f.component))
                }
                if !out.contains(s) { out.append(s) }
                v = s.to
            }
        }
        return out
    }
}
