import AegisCore
import AegisHNSW
import AegisStorage

/// One project's saved HNSW graph as the newest snapshot's index section holds it.
public struct SavedProjectIndex: Sendable, Equatable {
    public var project: String
    /// Slots in the slot → memory table, and those naming a memory.
    public var slots: Int
    public var usedSlots: Int
    /// Live graph nodes and tombstones; nil when the graph is absent or does not decode.
    public var graphNodes: Int?
    public var graphTombstones: Int?
    /// The graph's own parameters (nil without a decodable graph).
    public var m: Int?
    public var efConstruction: Int?
    public var efSearch: Int?
    public var graphBytes: Int
    /// What this project's vector space and graph take once a server loads them (vectors_engine,
    /// codes with the default int8 traversal, graph); nil without a decodable graph.
    public var memory: MemoryUsage?
}

/// The index section of the snapshot a read-only open loaded (what `stats` shows).
public struct SavedIndexSummary: Sendable, Equatable {
    /// LSN the section reflects (nil = no section saved).
    public var indexLSN: UInt64?
    public var sectionBytes: Int
    /// False when a section is present but does not parse or its checksum fails.
    public var sectionValid: Bool
    /// Build parameters pinned by `rebuild-index` (nil = from settings, default m=16 ef_construction=64).
    public var pinned: IndexParameters?
    public var projects: [SavedProjectIndex]
}

/// What `IndexVerifier.verify` found: problems make the store unhealthy; info is for the operator.
public struct IndexVerifyReport: Sendable {
    public var problems: [String] = []
    public var info: [String] = []
    public var checked: [String] = []
    public var isHealthy: Bool { problems.isEmpty }
}

/// Read-only checks of the saved HNSW graphs against the tables (for `stats` and `verify`).
public enum IndexVerifier {
    /// Summary of the index section `store` was opened with.
    public static func summary(of store: Store) -> SavedIndexSummary {
        let r = store.openReport
        guard let bytes = r.indexSection else {
            return SavedIndexSummary(indexLSN: nil, sectionBytes: 0, sectionValid: true, pinned: nil, projects: [])
        }
        guard let parsed = IndexSection.decodeWithParameters(bytes) else {
            return SavedIndexSummary(indexLSN: r.indexLSN, sectionBytes: bytes.count, sectionValid: false, pinned: nil, projects: [])
        }
        let projects = parsed.entries.keys.sorted().map { name -> SavedProjectIndex in
            let e = parsed.entries[name]!
            var p = SavedProjectIndex(project: name, slots: e.slots.count, usedSlots: e.slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) },
                                      graphBytes: e.graph.count)
            if !e.graph.isEmpty, let g = try? HNSWIndex(decoding: e.graph, externalVectors: { _ in nil }) {
                p.graphNodes = g.count; p.graphTombstones = g.deletedCount
                p.m = g.configuration.m; p.efConstruction = g.configuration.efConstruction; p.efSearch = g.configuration.efSearch
                p.memory = MemoryUsage.loaded(graph: g, spaceSlots: e.slots.count)
            }
            return p
        }
        return SavedIndexSummary(indexLSN: r.indexLSN, sectionBytes: bytes.count, sectionValid: true, pinned: parsed.pinned, projects: projects)
    }

    /// Opens `directory` read-only (no lock) and checks every saved graph against the tables.
    public static func verify(directory: String, vectorSample: Int = .max) -> IndexVerifyReport {
        var report = IndexVerifyReport()
        let store: Store
        do { store = try Store.openReadOnly(directory: directory, options: StoreOptions(collectIndexCatchUp: false)) } catch {
            report.problems.append("index: cannot open \(directory) read-only: \(error)")
            return report
        }
        return verify(store: store, directory: directory, vectorSample: vectorSample)
    }

    /// Checks the saved graphs of an already opened store (`verify --data-dir` shares the store
    /// `StoreVerifier` recovered, so the directory is loaded once). `directory` is where the
    /// log after the index LSN is read from.
    public static func verify(store: Store, directory: String, vectorSample: Int = .max) -> IndexVerifyReport {
        var report = IndexVerifyReport()
        let r = store.openReport
        let snap = r.snapshot?.path ?? "(no snapshot)"
        guard let bytes = r.indexSection, let indexLSN = r.indexLSN else {
            report.info.append("index: \(snap) holds no index section (the engine rebuilds the graphs from the tables at start-up)")
            return report
        }
        guard let parsed = IndexSection.decodeWithParameters(bytes) else {
            report.problems.append("index: \(snap): the index section (\(bytes.count) B, LSN \(indexLSN)) does not parse or its checksum fails")
            return report
        }
        report.checked.append("index: \(snap): section \(bytes.count) B at LSN \(indexLSN) parses, checksum holds")
        // Memories changed after the index LSN legitimately differ from the graph.
        var touched = Set<MemoryKey>()
        if r.lastLSN > indexLSN {
            do { touched = try Store.memoriesTouched(directory: directory, afterLSN: indexLSN, throughLSN: r.lastLSN) } catch {
                report.problems.append("index: cannot read the log after index LSN \(indexLSN): \(error)")
                return report
            }
        }
        store.read { view in
            let dimension = view.dimension
            for name in parsed.entries.keys.sorted() {
                check(project: name, entry: parsed.entries[name]!, view: view, dimension: dimension,
                      touched: touched, vectorSample: vectorSample, report: &report)
            }
            for p in view.projectIds where parsed.entries[p] == nil && view.memoryCount(project: p) > 0 {
                report.info.append("index: project \(p) has no saved graph (rebuilt from the tables at start-up)")
            }
        }
        return report
    }

    static func check(project: String, entry: IndexSection.Entry, view: StoreView, dimension: Int,
                      touched: Set<MemoryKey>, vectorSample: Int, report: inout IndexVerifyReport) {
        let used = entry.slots.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        if entry.graph.isEmpty {
            if used > 0 { report.info.append("index: project \(project): no graph bytes saved (rebuilt at start-up)") }
            return
        }
        // Graphs written since format 2 hold no vectors: decode them on the table's rows and
        // compare their int8 codes instead. Older graphs carry their own copy: compare it.
        let ownVectors = HNSWIndex.encodingCarriesVectors(entry.graph)
        let graph: HNSWIndex
        do {
            if ownVectors {
                graph = try HNSWIndex(decoding: entry.graph)
            } else {
                graph = try HNSWIndex(decoding: entry.graph) { label in
                    guard label < UInt64(entry.slots.count), let id = entry.slots[Int(label)],
                          let row = view.memoryRow(project: project, id: id) else { return nil }
                    return view.stableVectorRow(of: row)
                }
            }
        } catch {
            report.problems.append("index: project \(project): the graph (\(entry.graph.count) B) does not decode: \(error)")
            return
        }
        do { try graph.checkIntegrity() } catch {
            report.problems.append("index: project \(project): graph integrity: \(error)")
            return
        }
        if graph.configuration.dimension != dimension {
            report.problems.append("index: project \(project): graph dimension \(graph.configuration.dimension) ≠ store dimension \(dimension)")
            return
        }
        var problems: [String] = []
        func problem(_ s: String) { if problems.count < 20 { problems.append("index: project \(project): " + s) } else if problems.count == 20 { problems.append("index: project \(project): … more problems not shown") } }
        var firstSlot: [String: Int] = [:]
        for (slot, id) in entry.slots.enumerated() {
            guard let id else {
                if graph.contains(label: UInt64(slot)) { problem("slot \(slot) is empty in the slot table but the graph has a node for it") }
                continue
            }
            if let prev = firstSlot[id] { problem("memory \(id) appears in slots \(prev) and \(slot)") } else { firstSlot[id] = slot }
            if !graph.contains(label: UInt64(slot)) { problem("slot \(slot) (memory \(id)) has no graph node"); continue }
            if touched.contains(MemoryKey(projectId: project, id: id)) { continue }
            guard let row = view.memoryRow(project: project, id: id) else {
                problem("slot \(slot) names memory \(id), which the tables do not hold"); continue
            }
            let table = view.vector(of: row)
            guard table.count == dimension else { problem("slot \(slot): memory \(id) has no \(dimension)-dimensional embedding"); continue }
            if slot < vectorSample || slot % max(1, entry.slots.count / max(1, vectorSample)) == 0 {
                if ownVectors, let stored = graph.vector(label: UInt64(slot)), !sameDirection(stored, table) {
                    problem("slot \(slot): the graph's vector differs from memory \(id)'s embedding")
                } else if !ownVectors, graph.codesAgree(label: UInt64(slot)) == false {
                    problem("slot \(slot): the graph's int8 codes differ from those of memory \(id)'s embedding")
                }
            }
        }
        for label in graph.allLabels where label >= UInt64(entry.slots.count) {
            problem("the graph has a node for slot \(label), beyond the slot table's \(entry.slots.count) slots")
        }
        if graph.count != used {
            problem("the graph has \(graph.count) live nodes, the slot table names \(used) memories")
        }
        report.problems.append(contentsOf: problems)
        if problems.isEmpty {
            report.checked.append("index: project \(project): \(graph.count) nodes, \(used) slots match the tables" +
                                  (touched.isEmpty ? "" : " (memories changed after the index LSN skipped)"))
        }
    }

    /// The graph stores cosine vectors normalised: compare directions with a small tolerance.
    static func sameDirection(_ stored: [Float], _ table: UnsafeBufferPointer<Float>) -> Bool {
        guard stored.count == table.count else { return false }
        var n: Float = 0
        for x in table { n += x * x }
        let norm = n > 0 ? n.squareRoot() : 1
        var sn: Float = 0
        for x in stored { sn += x * x }
        let snorm = sn > 0 ? sn.squareRoot() : 1
        for i in 0..<stored.count where abs(stored[i] / snorm - table[i] / norm) > 1e-4 { return false }
        return true
    }
}

extension IndexSection {
    /// Encodes decoded entries again (same layout as `encode(_:pinned:)`; tests craft sections with it).
    static func encode(entries: [String: Entry], pinned: IndexParameters? = nil) -> [UInt8] {
        var out = magic
        if let pinned {
            put32(&out, versionWithParameters); put32(&out, UInt32(pinned.m)); put32(&out, UInt32(pinned.efConstruction))
        } else {
            put32(&out, version)
        }
        put32(&out, UInt32(entries.count))
        for name in entries.keys.sorted() {
            let e = entries[name]!
            putString(&out, name)
            put32(&out, UInt32(e.slots.count))
            for id in e.slots { if let id { out.append(1); putString(&out, id) } else { out.append(0) } }
            put64(&out, UInt64(e.graph.count))
            out.append(contentsOf: e.graph)
        }
        put64(&out, fnv1a(out))
        return out
    }
}
