/// Placeholder until the module's issue lands; see docs/architecture.md.
public enum AegisStorageModule { public static let name = "AegisStorage" }
