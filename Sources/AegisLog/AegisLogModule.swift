/// Placeholder until the module's issue lands; see docs/architecture.md.
public enum AegisLogModule { public static let name = "AegisLog" }
