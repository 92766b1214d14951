/// Placeholder until the module's issue lands; see docs/architecture.md.
public enum AegisHTTPModule { public static let name = "AegisHTTP" }
