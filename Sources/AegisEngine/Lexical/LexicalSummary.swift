import AegisCore
import AegisLexical
import AegisStorage

/// The lexical index a server builds from a store's tables at start-up (docs/hybrid-retrieval.md,
/// "Persistence"), for `aegis-memory stats`: documents, terms, postings, bytes.
public enum LexicalSummary {
    public static func compute(store: Store, parameters: BM25Parameters = .init()) -> LexicalStatistics {
        store.read { v in
            let view = StoreTableView(v: v)
            var total = LexicalStatistics()
            for project in view.projectIds() {
                let index = LexicalIndex(parameters: parameters)
                view.forEachMemory(projectId: project) { m in
                    if !m.isDeprecated { index.upsert(id: m.id, text: m.content) }
                    return true
                }
                total = total + index.statistics
            }
            return total
        }
    }
}

extension AegisEngine {
    /// Sizes of the engine's lexical index (all projects).
    public func lexicalStatistics() -> LexicalStatistics { lexical.statistics() }

    /// Rebuilds the lexical index from the tables, as start-up does (for `bench hybrid`'s
    /// start-up cost); returns the seconds it took.
    public func rebuildLexicalIndex() -> Double {
        let t0 = monotonicNanos()
        lexical.load(backend: backend)
        return Double(monotonicNanos() &- t0) / 1e9
    }
}
