/// Placeholder until the module's issue lands; see docs/architecture.md.
public enum AegisVectorModule { public static let name = "AegisVector" }
