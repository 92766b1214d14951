import ArgumentParser

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
        ]
    )
}
