import AegisHNSW
import Foundation

extension BenchANNCommand {
    /// `--ab-codes`: float32 vs int8 traversal (`HNSWIndex.useTraversalCodes`), five
    /// interleaved passes per mode and ef; median QPS and recall@k. Leaves the `--traversal` mode on.
    func codesAB(index: HNSWIndex, querySet: BinMatrix<Float>, truth: [Set<UInt64>], efs: [Int]) throws -> String {
        let d = querySet.d
        var rows: [String] = []
        var hits = [HNSWHit]()
        let t0 = nowNs()
        index.useTraversalCodes(true)
        let buildMs = Double(nowNs() - t0) / 1e6
        log(String(format: "int8 codes for %d vectors built in %.1f ms", index.count, buildMs))
        rows.append("{\"codes_build_ms\":\(fmt(buildMs))}")
        for ef in efs {
            var qps = [[Double]](repeating: [], count: 2)
            var recall = [Double](repeating: 0, count: 2)
            try querySet.values.withUnsafeBufferPointer { qp in
                for pass in 0..<5 {
                    for mode in 0..<2 {
                        index.useTraversalCodes(mode == 1)
                        var found = 0
                        let t = nowNs()
                        for qi in 0..<querySet.n {
                            _ = try index.search(query: UnsafeBufferPointer(rebasing: qp[(qi * d)..<((qi + 1) * d)]), k: k, ef: ef, into: &hits)
                            if pass == 0 { found += hits.reduce(0) { $0 + (truth[qi].contains($1.label) ? 1 : 0) } }
                        }
                        qps[mode].append(Double(querySet.n) / (Double(nowNs() - t) / 1e9))
                        if pass == 0 { recall[mode] = Double(found) / Double(querySet.n * k) }
                    }
                }
            }
            index.useTraversalCodes(traversal == .int8)
            let med = qps.map { $0.sorted()[$0.count / 2] }
            log(String(format: "traversal A/B at ef=%d (median of 5 interleaved passes): float32 %.0f qps recall %.4f, int8 %.0f qps recall %.4f (%.2fx)",
                       ef, med[0], recall[0], med[1], recall[1], med[1] / med[0]))
            rows.append("{\"ef\":\(ef),\"float32_qps\":\(fmt(med[0])),\"float32_recall\":\(fmt(recall[0])),\"int8_qps\":\(fmt(med[1])),\"int8_recall\":\(fmt(recall[1]))}")
        }
        return ",\"traversal_ab\":[\(rows.joined(separator: ","))]"
    }
}
