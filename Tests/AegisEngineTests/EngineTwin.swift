import AegisCore
import AegisLog
import AegisStorage
@testable import AegisEngine

/// Two engines fed the same operations on one clock: `memory` on `InMemoryBackend`, `durable`
/// on the store in a temp directory. Each engine mints its own ids, so `ids` maps the
/// in-memory engine's memory ids to the durable one's: later operations target the same
/// memory, and `differences()` compares the tables with ids translated.
final class EngineTwin {
    let clock = ManualClock()
    let directory: String
    let memoryBackend = InMemoryBackend()
    var memory: AegisEngine
    var durable: AegisEngine
    /// In-memory memory id → durable memory id.
    var ids: [String: String] = [:]

    static let storeOptions = StoreOptions(log: LogOptions(fsync: .off), embeddingModel: hashEmbedder.modelName,
                                           dimension: hashEmbedder.dimension)

    init(name: String) async throws {
        directory = tempDir(name)
        let clock = clock
        memory = try await AegisEngine(backend: memoryBackend, embedder: hashEmbedder, clock: { clock.now })
        durable = try await Self.openDurable(directory, clock)
    }

    static func openDurable(_ directory: String, _ clock: ManualClock) async throws -> AegisEngine {
        let store = try await Store.open(directory: directory, options: storeOptions)
        return try await AegisEngine(backend: StoreBackend(store: store), embedder: hashEmbedder, clock: { clock.now })
    }

    /// Closes both engines (the durable store's final checkpoint included) and reopens them:
    /// the durable engine recovers from its directory, the in-memory one keeps its backend.
    func restart() async throws {
        try await memory.close()
        try await durable.close()
        let clock = clock
        memory = try await AegisEngine(backend: memoryBackend, embedder: hashEmbedder, clock: { clock.now })
        durable = try await Self.openDurable(directory, clock)
    }

    func close() async {
        try? await memory.close()
        try? await durable.close()
        removeTree(directory)
    }

    /// The durable engine's id for an in-memory id (ids not minted by an engine map to themselves).
    func durableId(_ id: String) -> String { ids[id] ?? id }

    /// How a call ended: its value, or the engine error code.
    enum Outcome<T> {
        case value(T)
        case failure(String)
        var value: T? { if case .value(let v) = self { v } else { nil } }
        var failure: String? { if case .failure(let f) = self { f } else { nil } }
    }

    /// Runs `body` on the in-memory engine, then on the durable one with ids translated.
    func both<T>(_ body: (AegisEngine, (String) -> String) async throws -> T) async -> (memory: Outcome<T>, durable: Outcome<T>) {
        func outcome(_ run: () async throws -> T) async -> Outcome<T> {
            do { return .value(try await run()) } catch let e as EngineError {
                return .failure(e.code.rawValue)
            } catch { return .failure("\(error)") }
        }
        let ids = ids
        let m = await outcome { try await body(memory) { $0 } }
        let d = await outcome { try await body(durable) { ids[$0] ?? $0 } }
        return (m, d)
    }

    /// Records the ids minted by one `add`-like call; a mismatch in dedup is returned as a problem.
    func record(_ m: AddResult, _ d: AddResult) -> String? {
        switch (m.dedupedFrom, d.dedupedFrom) {
        case (nil, nil):
            ids[m.id] = d.id
            return nil
        case (_?, _?):
            return durableId(m.id) == d.id ? nil : "deduped to different memories: \(m.id) vs \(d.id)"
        default:
            return "dedup differs: in-memory \(m), durable \(d)"
        }
    }

    // MARK: table comparison

    /// Every table of every project, with ids in the in-memory engine's terms (durable ids are
    /// translated back); row ids of votes, sessions and features are left out (each engine mints
    /// its own), everything else is compared.
    struct Tables: Equatable {
        var memories: [String: Memory] = [:]
        var votes: [String] = []
        var sessions: [String: SessionProgress] = [:]
        var features: [String: FeatureRecord] = [:]
    }

    func tables(_ e: AegisEngine, canonical: (String) -> String) -> Tables {
        var t = Tables()
        e.backend.read { view in
            for p in view.projectIds() {
                view.forEachMemoryWithEmbedding(projectId: p) { m in
                    var m = m
                    m.id = canonical(m.id)
                    m.supersededBy = m.supersededBy.map(canonical)
                    t.memories[p + "/" + m.id] = m
                    return true
                }
                view.forEachVote(projectId: p) { v in
                    var v = v
                    v.id = ""
                    v.memoryId = canonical(v.memoryId)
                    t.votes.append("\(v)")
                    return true
                }
                view.forEachSession(projectId: p) { s in
                    var s = s
                    s.id = ""
                    t.sessions[p + "/" + s.sessionId] = s
                    return true
                }
                view.forEachFeature(projectId: p) { f in
                    var f = f
                    f.id = ""
                    t.features[p + "/" + f.namespace + "/" + f.featureId] = f
                    return true
                }
            }
        }
        t.votes.sort()
        return t
    }

    /// What differs between the two engines' tables, one line per row (and field).
    func differences() -> [String] {
        let reverse = Dictionary(ids.map { ($0.value, $0.key) }, uniquingKeysWith: { a, _ in a })
        let a = tables(memory) { $0 }
        let b = tables(durable) { reverse[$0] ?? $0 }
        guard a != b else { return [] }
        var out: [String] = []
        out += Self.diff("memory", a.memories, b.memories)
        out += Self.diff("session", a.sessions, b.sessions)
        out += Self.diff("feature", a.features, b.features)
        if a.votes != b.votes {
            out.append("votes: in-memory \(a.votes.count) rows, durable \(b.votes.count) rows; only in-memory: \(Set(a.votes).subtracting(b.votes).sorted().prefix(3)); only durable: \(Set(b.votes).subtracting(a.votes).sorted().prefix(3))")
        }
        return out
    }

    static func diff<Row: Equatable>(_ kind: String, _ a: [String: Row], _ b: [String: Row]) -> [String] {
        var out: [String] = []
        for key in Set(a.keys).union(b.keys).sorted() {
            switch (a[key], b[key]) {
            case (let x?, let y?) where x != y:
                let fields = zip(Mirror(reflecting: x).children, Mirror(reflecting: y).children)
                    .filter { "\($0.value)" != "\($1.value)" }
                    .map { "\($0.label ?? "?"): in-memory \($0.value) / durable \($1.value)" }
                out.append("\(kind) \(key): " + fields.joined(separator: "; "))
            case (_?, nil): out.append("\(kind) \(key): only in-memory")
            case (nil, _?): out.append("\(kind) \(key): only durable")
            default: continue
            }
        }
        return out
    }
}
