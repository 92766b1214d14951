import AegisEmbedding
import Foundation

// EmbedBench: throughput and latency of the in-process MiniLM embedder.
// usage: EmbedBench <model-dir> <sentences.txt> [count=500] [batch=64] [single-queries=200] [threads]
let args = CommandLine.arguments
guard args.count >= 3 else {
    print("usage: EmbedBench <model-dir> <sentences.txt> [count=500] [batch=64] [single-queries=200] [threads]")
    exit(2)
}
let count = args.count > 3 ? Int(args[3])! : 500
let batch = args.count > 4 ? Int(args[4])! : 64
let singles = args.count > 5 ? Int(args[5])! : 200
let threads = args.count > 6 ? Int(args[6]) : nil
let lines = try String(contentsOfFile: args[2], encoding: .utf8).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
var sentences: [String] = []
while sentences.count < count { sentences += lines.prefix(count - sentences.count) }

let loadStart = Date()
let model = try MiniLMEmbedder(modelDirectory: args[1], threads: threads)
print(String(format: "model load %.2f s", Date().timeIntervalSince(loadStart)))
let tokens = sentences.map { model.model.tokenizer.encode($0).count }
print("model \(model.modelName) dim \(model.dimension) threads \(model.threads) kernels AVX2+FMA: \(model.kernelsUseAVX2FMA)")
print(String(format: "sentences %d, mean tokens %.1f (with [CLS]/[SEP])", sentences.count, Double(tokens.reduce(0, +)) / Double(tokens.count)))

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
/// CPU seconds used by this process (all threads): on a shared machine, wall time alone misleads.
func cpu() -> Double { var t = timespec(); clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9 }
_ = model.embedBlocking(Array(sentences.prefix(32)))  // warm-up

var t0 = now()
let c0 = cpu()
var i = 0
while i < sentences.count {
    _ = model.embedBlocking(Array(sentences[i..<min(sentences.count, i + batch)]))
    i += batch
}
let wall = now() - t0, cpuUsed = cpu() - c0
print(String(format: "batch %d: %.1f sentences/s wall, %.1f sentences per CPU-second (%.2f CPUs busy)",
             batch, Double(sentences.count) / wall, Double(sentences.count) / cpuUsed, cpuUsed / wall))

var lat: [Double] = []
var cpuLat: [Double] = []
for q in 0..<singles {
    let s = sentences[q % sentences.count]
    t0 = now()
    let c = cpu()
    _ = model.embedBlocking([s])
    lat.append((now() - t0) * 1000)
    cpuLat.append((cpu() - c) * 1000)
}
if lat.isEmpty { exit(0) }
lat.sort()
func pct(_ p: Double, _ l: [Double]) -> Double { l[min(l.count - 1, Int(Double(l.count) * p))] }
cpuLat.sort()
print(String(format: "single query: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms (%d queries); CPU time per query p50 %.2f ms",
             pct(0.5, lat), pct(0.9, lat), pct(0.99, lat), lat.count, pct(0.5, cpuLat)))

// Concurrent single-text `embed` calls (as a server sees them): 16 callers, merged into rounds.
let concurrentCount = min(sentences.count, 320)
t0 = now()
let c1 = cpu()
await withTaskGroup(of: Void.self) { g in
    for w in 0..<16 {
        g.addTask {
            var i = w
            while i < concurrentCount { _ = try? await model.embed([sentences[i]]); i += 16 }
        }
    }
}
let cw = now() - t0, cc = cpu() - c1
print(String(format: "concurrent single-text calls (16 callers): %.1f sentences/s wall, %.1f per CPU-second",
             Double(concurrentCount) / cw, Double(concurrentCount) / cc))
