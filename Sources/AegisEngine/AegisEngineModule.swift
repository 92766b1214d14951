/// Placeholder until the module's issue lands; see docs/architecture.md.
public enum AegisEngineModule { public static let name = "AegisEngine" }
