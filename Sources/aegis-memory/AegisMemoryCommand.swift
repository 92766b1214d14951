import AegisCore
import AegisVector
import ArgumentParser
import Foundation

/// Root command. Subcommands are added as capabilities land (serve, backup, restore, verify,
/// repair, compact, export, import, stats, migrate, rebuild-index, reembed, keys, bench).
@main
struct AegisMemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aegis-memory",
        abstract: "Aegis Memory: a self-hosted memory engine for multi-agent AI systems.",
        version: "0.1.0",
        subcommands: [
            ServeCommand.self,
            MCPCommand.self,
            KeysCommand.self,
            BenchCommand.self,
            ExplainCommand.self,
            VerifyCommand.self,
            StatsCommand.self,
            RepairCommand.self,
            DemoDataCommand.self,
            DebugWriterCommand.self,
            ExportCommand.self,
            ImportCommand.self,
            BackupCommand.self,
            RestoreCommand.self,
            MigrateCommand.self,
            CompactCommand.self,
            RebuildIndexCommand.self,
            ReembedCommand.self,
            TokenizeCommand.self,
        ]
    )

    /// Checks the CPU before any code of a module built for the host CPU runs (Package.swift,
    /// docs/configuration.md "Build"), then runs the command as ArgumentParser would.
    static func main() async {
        if let problem = HostCPU.unsupported(builtForAVX2FMA: VectorKernels.requiresAVX2FMA,
                                             component: "vector kernels (AegisVector, AegisHNSW, AegisEngine)") {
            FileHandle.standardError.write(Data("aegis-memory: \(problem)\n".utf8))
            Foundation.exit(1)
        }
        await main(nil)
    }
}
