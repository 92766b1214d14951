/// Placeholder until the module's issue lands; see docs/architecture.md.
public enum AegisHNSWModule { public static let name = "AegisHNSW" }
