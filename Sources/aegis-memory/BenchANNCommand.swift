import AegisHNSW
import AegisVector
import ArgumentParser
import Foundation

/// `aegis-memory bench …`: benchmark harnesses (a user feature: run them on your own data).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark harnesses.",
        subcommands: [BenchANNCommand.self, BenchHybridCommand.self]
    )
}

/// `aegis-memory bench ann`: builds the HNSW index over a .fbin base set, sweeps ef_search and
/// reports recall@k against the ground truth, QPS and latency (single thread, one query per
/// call, as the hnswlib anchor measures), build time, memory and incremental insert rate.
/// The default traversal is the engine's (int8 codes re-ranked with float32; docs/hnsw.md).
struct BenchANNCommand: ParsableCommand {
    enum Traversal: String, ExpressibleByArgument, CaseIterable { case int8, float32 }

    static let configuration = CommandConfiguration(
        commandName: "ann",
        abstract: "Vector index benchmark on .fbin/.ibin files (uint32 n, uint32 d, little-endian rows)."
    )

    @Option(help: "Base vectors (.fbin).") var base: String
    @Option(help: "Query vectors (.fbin).") var queries: String
    @Option(help: "Exact neighbours of each query (.ibin, int32 ids).") var gt: String
    @Option(help: "Links per node (level 0 keeps 2m).") var m = 16
    @Option(name: .customLong("ef-construction"), help: "Beam width while building.") var efConstruction = 64
    @Option(help: "Build threads.") var threads = 2
    @Option(name: .customLong("target-recall"), help: "Recall@k the operating point must reach.") var targetRecall = 0.95
    @Option(name: .customLong("filter-selectivity"), help: "Also run filtered searches where this share of items matches (e.g. 0.01).")
    var filterSelectivity: Double?
    @Option(help: "Neighbours per query.") var k = 10
    @Option(help: "Timed passes per ef (median reported).") var reps = 3
    @Option(name: .customLong("ef"), help: "Comma-separated ef_search sweep.")
    var efList = "10,16,24,32,40,48,64,96,128,192,256,384,512"
    @Option(name: .customLong("insert-n"), help: "Extra vectors inserted one at a time after the build (incremental rate).")
    var insertN = 10_000
    @Option(name: .customLong("prefetch-mode"), help: "Beam-search memory tuning: 0 none, 1 first line, 2 all lines (default: the index's choice by dimension).")
    var prefetchMode: Int?
    @Flag(name: .customLong("ab-prefetch"), help: "After the sweep, compare prefetch modes 0/1/2 interleaved at the target ef.")
    var abPrefetch = false
    @Option(help: "Graph walk: int8 (int8 codes + float32 re-rank, what the engine serves; AEGIS_HNSW_TRAVERSAL) or float32.")
    var traversal: Traversal = .int8
    @Flag(name: .customLong("ab-codes"), help: "After the sweep, compare float32 and int8 traversal (re-ranked) interleaved at the target ef and at ef 100.")
    var abCodes = false
    @Flag(name: .customLong("dim-check"), help: "Also verify every vector is finite and report norms.") var dimCheck = false
    @Flag(help: "Print only the JSON line.") var json = false

    func validate() throws {
        guard m >= 2, efConstruction >= m, threads >= 1, k >= 1, reps >= 1, insertN >= 0 else {
            throw ValidationError("need m ≥ 2, ef-construction ≥ m, threads ≥ 1, k ≥ 1, reps ≥ 1, insert-n ≥ 0")
        }
        if let s = filterSelectivity, !(s > 0 && s <= 1) { throw ValidationError("--filter-selectivity must be in (0, 1]") }
        guard !parsedEfs.isEmpty else { throw ValidationError("--ef must list positive integers") }
    }

    var parsedEfs: [Int] { efList.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.filter { $0 > 0 } }

    func log(_ s: String) {
        if !json { FileHandle.standardError.write((s + "\n").data(using: .utf8)!) }
    }

    func run() throws {
        let baseSet = try BinMatrix<Float>(path: base)
        let querySet = try BinMatrix<Float>(path: queries)
        let truth = try BinMatrix<Int32>(path: gt)
        guard querySet.d == baseSet.d else { throw ValidationError("queries have d=\(querySet.d), base has d=\(baseSet.d)") }
        guard truth.n == querySet.n, truth.d >= k else {
            throw ValidationError("ground truth is \(truth.n)×\(truth.d), need \(querySet.n)×≥\(k)")
        }
        for v in truth.values where v < 0 || Int(v) >= baseSet.n { throw ValidationError("ground truth id \(v) outside 0..<\(baseSet.n)") }
        let n = baseSet.n, d = baseSet.d
        if dimCheck {
            for (name, set) in [("base", baseSet), ("queries", querySet)] {
                var lo = Float.infinity, hi: Float = 0
                for i in 0..<set.n {
                    let row = Array(set.values[(i * d)..<((i + 1) * d)])
                    guard VectorKernels.allFinite(row) else { throw ValidationError("\(name) row \(i) has NaN/Inf") }
                    let nr = VectorKernels.dot(row, row).squareRoot()
                    lo = min(lo, nr); hi = max(hi, nr)
                }
                log("dim-check: \(name) \(set.n)×\(d), norms \(lo)…\(hi)")
            }
        }
        log("bench ann: base \(n)×\(d), \(querySet.n) queries, M=\(m) efc=\(efConstruction) threads=\(threads) fma=\(VectorKernels.usesFMA)")

        let config = HNSWConfiguration(dimension: d, metric: .cosine, m: m, efConstruction: efConstruction)
        let rss0 = residentBytes()
        let index = try HNSWIndex(configuration: config, capacity: n + insertN)
        if let prefetchMode { index.prefetchMode = prefetchMode }
        let chosenPrefetch = index.prefetchMode
        let t0 = now()
        try baseSet.values.withUnsafeBufferPointer { try index.insert(labels: (0..<UInt64(n)).map { $0 }, vectors: $0, threads: threads) }
        let buildS = now() - t0
        let tc = now()
        index.useTraversalCodes(traversal == .int8)
        let codesS = now() - tc
        let rssGrowth = residentBytes() - rss0
        let memory = index.memoryBytes
        log(String(format: "build %.2fs (%.0f vec/s), %@ traversal (codes %.2fs), memory %.1f MiB, rss growth %.1f MiB", buildS, Double(n) / buildS,
                   traversal.rawValue, codesS, Double(memory) / 1048576, Double(rssGrowth) / 1048576))

        let gtRows = (0..<querySet.n).map { i in Set(truth.values[(i * truth.d)..<(i * truth.d + k)].map { UInt64($0) }) }
        let sweep = try runSweep(index: index, querySet: querySet, truth: gtRows, filter: nil)
        var abJSON = ""
        if abPrefetch, let target = sweep.first(where: { $0.recall >= targetRecall }) {
            var qps = [[Double]](repeating: [], count: 3)
            var hits = [HNSWHit]()
            try querySet.values.withUnsafeBufferPointer { qp in
                for _ in 0..<5 {
                    for mode in 0..<3 {
                        index.prefetchMode = mode
                        let t = nowNs()
                        for qi in 0..<querySet.n {
                            _ = try index.search(query: UnsafeBufferPointer(rebasing: qp[(qi * d)..<((qi + 1) * d)]), k: k, ef: target.ef, into: &hits)
                        }
                        qps[mode].append(Double(querySet.n) / (Double(nowNs() - t) / 1e9))
                    }
                }
            }
            index.prefetchMode = chosenPrefetch
            let med = qps.map { $0.sorted()[$0.count / 2] }
            log(String(format: "prefetch A/B at ef=%d (median of 5 interleaved passes): none %.0f, first line %.0f, all lines %.0f qps", target.ef, med[0], med[1], med[2]))
            abJSON = ",\"prefetch_ab_qps\":[\(med.map { fmt($0) }.joined(separator: ","))]"
        }
        if abCodes, let target = sweep.first(where: { $0.recall >= targetRecall }) {
            abJSON += try codesAB(index: index, querySet: querySet, truth: gtRows, efs: Array(Set([target.ef, 100])).sorted())
        }
        var filtered: [SweepRow]? = nil
        var filteredList: [SweepRow]? = nil
        var filterInfo = ""
        if let sel = filterSelectivity {
            let mask = (0..<n).map { i in Double((UInt64(i) &* 0x9E37_79B9_7F4A_7C15) >> 11) * 0x1p-53 < sel }
            let matches = mask.filter { $0 }.count
            let arena = try VectorArena(dimension: d, capacity: n)
            try baseSet.values.withUnsafeBufferPointer { p in
                for i in 0..<n { try arena.append(UnsafeBufferPointer(rebasing: p[(i * d)..<((i + 1) * d)])) }
            }
            let tg = now()
            var fTruth = [Set<UInt64>]()
            for qi in 0..<querySet.n {
                let q = Array(querySet.values[(qi * d)..<((qi + 1) * d)])
                fTruth.append(Set(try ExactSearch.topK(query: q, arena: arena, k: k, metric: .cosine, include: { mask[$0] }).map(\.id)))
            }
            log(String(format: "filter: %d of %d items match (%.3f%%); exact filtered ground truth in %.2fs", matches, n,
                       100 * Double(matches) / Double(n), now() - tg))
            // Two ways an engine filters: a predicate only (the index samples the selectivity
            // and scans all items through the predicate when it is selective), or the matching
            // labels from its own metadata index plus the predicate.
            let filter = HNSWFilter { mask[Int($0)] }
            filtered = try runSweep(index: index, querySet: querySet, truth: fTruth, filter: filter, expectCount: min(k, matches))
            let labels = (0..<n).filter { mask[$0] }.map { UInt64($0) }
            let withList = HNSWFilter(candidates: labels) { mask[Int($0)] }
            filteredList = try runSweep(index: index, querySet: querySet, truth: fTruth, filter: withList, expectCount: min(k, matches))
            filterInfo = "\"filter_selectivity\":\(sel),\"filter_matches\":\(matches),"
        }

        // Incremental inserts, one call per vector, single thread (the agent-memory write path).
        var insertRate = 0.0
        if insertN > 0 {
            var rng = SplitMix(seed: 7)
            var extra = [Float](repeating: 0, count: insertN * d)
            for i in 0..<insertN {
                let src = Int(rng.next() % UInt64(n))
                for j in 0..<d { extra[i * d + j] = baseSet.values[src * d + j] + Float(0.3 / Double(d).squareRoot() * rng.gaussian()) }
            }
            let ti = now()
            try extra.withUnsafeBufferPointer { p in
                for i in 0..<insertN {
                    try index.insert(label: UInt64(n + i), vector: UnsafeBufferPointer(rebasing: p[(i * d)..<((i + 1) * d)]))
                }
            }
            insertRate = Double(insertN) / (now() - ti)
            log(String(format: "incremental insert (1 thread, one call per vector, into %d): %.0f vec/s", n, insertRate))
        }

        func op(_ rows: [SweepRow]) -> String {
            guard let r = rows.first(where: { $0.recall >= targetRecall }) else { return "null" }
            return r.json
        }
        var out = "{\"tool\":\"aegis-memory bench ann\",\"n\":\(n),\"d\":\(d),\"m\":\(m),\"ef_construction\":\(efConstruction),"
        out += "\"threads\":\(threads),\"k\":\(k),\"fma\":\(VectorKernels.usesFMA),\"traversal\":\"\(traversal.rawValue)\","
        out += "\"build_s\":\(fmt(buildS)),\"build_vec_per_s\":\(fmt(Double(n) / buildS)),"
        out += "\"memory_bytes\":\(memory),\"rss_growth_bytes\":\(rssGrowth),\"insert_vec_per_s\":\(fmt(insertRate)),"
        out += "\"target_recall\":\(targetRecall),\"at_target\":\(op(sweep)),"
        out += "\"sweep\":[\(sweep.map(\.json).joined(separator: ","))]"
        if let filtered {
            out += ",\(filterInfo)\"filtered_at_target\":\(op(filtered)),\"filtered_sweep\":[\(filtered.map(\.json).joined(separator: ","))]"
        }
        if let filteredList {
            out += ",\"filtered_candidates_at_target\":\(op(filteredList)),\"filtered_candidates_sweep\":[\(filteredList.map(\.json).joined(separator: ","))]"
        }
        out += abJSON + "}"
        print(out)
    }

    struct SweepRow {
        var ef: Int, recall: Double, p50: Double, p99: Double, qps: Double, mode: String, visited: Double, distances: Double
        var json: String {
            "{\"ef\":\(ef),\"recall\":\(fmt(recall, 4)),\"qps\":\(fmt(qps)),\"p50_us\":\(fmt(p50)),\"p99_us\":\(fmt(p99)),"
                + "\"mode\":\"\(mode)\",\"avg_visited\":\(fmt(visited)),\"avg_distances\":\(fmt(distances))}"
        }
    }

    func runSweep(index: HNSWIndex, querySet: BinMatrix<Float>, truth: [Set<UInt64>], filter: HNSWFilter?,
                  expectCount: Int? = nil) throws -> [SweepRow] {
        let d = querySet.d, nq = querySet.n
        var rows = [SweepRow]()
        var hits = [HNSWHit]()
        hits.reserveCapacity(k)
        var lat = [Double](repeating: 0, count: nq)
        try querySet.values.withUnsafeBufferPointer { qp in
            for ef in parsedEfs {
                _ = try index.search(query: UnsafeBufferPointer(rebasing: qp[0..<d]), k: k, ef: ef, filter: filter, into: &hits)
                var passes = [(Double, Double, Double, Double)]()
                var modes = [String: Int](), visited = 0, dists = 0
                for _ in 0..<reps {
                    var found = 0
                    for qi in 0..<nq {
                        let q = UnsafeBufferPointer(rebasing: qp[(qi * d)..<((qi + 1) * d)])
                        let t = nowNs()
                        let st = try index.search(query: q, k: k, ef: ef, filter: filter, into: &hits)
                        lat[qi] = Double(nowNs() - t) / 1000
                        if let expectCount, hits.count != expectCount {
                            throw ValidationError("query \(qi) returned \(hits.count) hits, expected \(expectCount)")
                        }
                        for h in hits where truth[qi].contains(h.label) { found += 1 }
                        modes[st.mode.rawValue, default: 0] += 1
                        visited += st.nodesVisited
                        dists += st.distanceComputations
                    }
                    let sorted = lat.sorted()
                    passes.append((Double(found) / Double(nq * k), percentile(sorted, 50), percentile(sorted, 99),
                                   Double(nq) / (lat.reduce(0, +) / 1e6)))
                }
                func med(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }
                let mode = modes.max(by: { $0.value < $1.value })!.key
                let row = SweepRow(ef: ef, recall: passes[0].0, p50: med(passes.map(\.1)), p99: med(passes.map(\.2)),
                                   qps: med(passes.map(\.3)), mode: mode, visited: Double(visited) / Double(nq * reps),
                                   distances: Double(dists) / Double(nq * reps))
                rows.append(row)
                log(String(format: "  %@ef=%4d recall@%d=%.4f p50=%.0fus p99=%.0fus qps=%.0f mode=%@ dist/q=%.0f",
                           filter == nil ? "" : (filter?.candidates == nil ? "[filtered] " : "[filtered+list] "), ef, k, row.recall, row.p50, row.p99, row.qps, mode, row.distances))
                if row.recall >= 0.999 { break }
            }
        }
        return rows
    }
}

/// A `.fbin` / `.ibin` matrix: uint32 n, uint32 d, then n·d little-endian 4-byte values.
struct BinMatrix<T: BitwiseCopyable> {
    let n: Int, d: Int
    let values: [T]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        guard data.count >= 8 else { throw ValidationError("\(path): \(data.count) bytes, shorter than the 8-byte header") }
        let (n, d) = data.withUnsafeBytes { ($0.loadUnaligned(fromByteOffset: 0, as: UInt32.self).littleEndian,
                                             $0.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian) }
        guard n > 0, d > 0, d <= 65_536 else { throw ValidationError("\(path): header n=\(n) d=\(d) is not a matrix") }
        let expected = 8 + Int(n) * Int(d) * 4
        guard data.count == expected else {
            throw ValidationError("\(path): \(data.count) bytes, header n=\(n) d=\(d) implies \(expected)")
        }
        self.n = Int(n)
        self.d = Int(d)
        values = data.withUnsafeBytes { raw in
            (0..<(Int(n) * Int(d))).map { raw.loadUnaligned(fromByteOffset: 8 + $0 * 4, as: T.self) }
        }
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Double { (Double(next() >> 11) + 1) * 0x1p-53 }
    mutating func gaussian() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform()) }
}

func fmt(_ x: Double, _ digits: Int = 2) -> String {
    guard x.isFinite else { return "null" }
    return String(format: "%.\(digits)f", x)
}

private func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    let pos = p / 100 * Double(sorted.count - 1)
    let lo = Int(pos), hi = min(lo + 1, sorted.count - 1)
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
}

func nowNs() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
private func now() -> Double { Double(nowNs()) / 1e9 }

private func residentBytes() -> Int {
    guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in s.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return (Int(line.split(separator: " ")[1]) ?? 0) * 1024
    }
    return 0
}
