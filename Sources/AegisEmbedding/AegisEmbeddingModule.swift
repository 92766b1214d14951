/// Placeholder until the module's issue lands; see docs/architecture.md.
public enum AegisEmbeddingModule { public static let name = "AegisEmbedding" }
