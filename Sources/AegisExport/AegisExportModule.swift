/// Placeholder until the module's issue lands; see docs/architecture.md.
public enum AegisExportModule { public static let name = "AegisExport" }
