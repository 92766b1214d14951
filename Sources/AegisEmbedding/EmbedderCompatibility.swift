import AegisCore

/// The check the executable makes when it opens a store: the embedder must be the one the
/// store's vectors were made with (same model name and dimension).
public enum EmbedderCompatibility {
    /// Throws `.invalidInput` naming both models when they differ.
    public static func check(storedModel: String, storedDimension: Int, embedder: any Embedder) throws {
        guard storedModel != embedder.modelName || storedDimension != embedder.dimension else { return }
        throw EmbeddingError(.invalidInput, """
            the store's vectors were made with \(storedModel) (\(storedDimension) dimensions) but the configured \
            embedder is \(embedder.modelName) (\(embedder.dimension) dimensions); set AEGIS_EMBEDDER (and its \
            settings) to match, or run `aegis-memory reembed` to re-embed every memory with the new one
            """)
    }
}
