import AegisEngine
import Foundation

/// Shared plumbing of the offline maintenance commands (compact, rebuild-index, reembed).
enum MaintenanceSupport {
    /// A one-line progress indicator with rate and ETA on a terminal (stderr); silent otherwise.
    final class ProgressLine {
        let started = Date()
        var last = Date.distantPast
        var phase = ""
        var phaseStart = Date()
        var wrote = false

        func update(_ p: MaintenanceProgress) {
            guard OpsSupport.isTTY else { return }
            if p.phase != phase { phase = p.phase; phaseStart = Date() }
            let now = Date()
            guard p.done == p.total || now.timeIntervalSince(last) > 0.2 else { return }
            last = now
            let elapsed = now.timeIntervalSince(phaseStart)
            let pct = p.total > 0 ? Double(p.done) / Double(p.total) * 100 : 100
            let filled = min(20, Int(pct / 5))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: 20 - filled)
            var eta = ""
            if p.done > 0, p.done < p.total, elapsed > 0.5 {
                let rate = Double(p.done) / elapsed
                eta = String(format: "  %.0f/s  ETA %@", rate, Self.duration(Double(p.total - p.done) / rate))
            }
            let line = "\r\(p.phase) [\(bar)] \(String(format: "%5.1f", pct))% \(p.done)/\(p.total)\(eta)\u{1B}[K"
            FileHandle.standardError.write(Data(line.utf8))
            wrote = true
        }

        func finish() { if wrote { FileHandle.standardError.write(Data("\n".utf8)); wrote = false } }

        static func duration(_ s: Double) -> String {
            guard s.isFinite else { return "?" }
            let t = Int(s.rounded())
            return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : t >= 60 ? String(format: "%dm%02ds", t / 60, t % 60) : "\(t)s"
        }
    }

    static func mib(_ b: Int64) -> String { String(format: "%.1f MiB", Double(b) / 1_048_576) }
    static func seconds(_ s: Double) -> Double { (s * 1000).rounded() / 1000 }
}
