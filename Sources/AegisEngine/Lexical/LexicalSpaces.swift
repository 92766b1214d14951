import AegisCore
import AegisLexical
import AegisStorage

/// Every project's lexical (BM25) index (docs/hybrid-retrieval.md, "Lexical index"), kept by
/// the engine's one write path: `AegisEngine.commit` mirrors each committed event here right
/// after the vector spaces. A memory is indexed while it exists and is not deprecated; its
/// content is re-read from the backend (like the vector mirror), so mirrors of concurrent
/// commits that run out of order still leave the newest state. A content fingerprint skips
/// re-tokenising when an update left the content alone (votes, metadata, expiry).
final class LexicalSpaces: Sendable {
    let parameters: BM25Parameters
    let lock = RWLock()
    /// Serialises `apply` (tokenising runs outside the write lock).
    let applying = Locked(())
    let storage = UnsafeBox<[String: ProjectLexicon]>([:])

    init(parameters: BM25Parameters) { self.parameters = parameters }

    /// One project's index plus each document's content fingerprint.
    final class ProjectLexicon: @unchecked Sendable {
        let index: LexicalIndex
        var fingerprints: [String: UInt64] = [:]
        /// `index.meanIdf()` at `index.version` (searches run under the read lock, so the
        /// cache has its own mutex).
        let meanIdfCache = Locked<(version: UInt64, value: Double)?>(nil)
        init(_ p: BM25Parameters) { index = LexicalIndex(parameters: p) }

        /// The best `limit` documents `admit` accepts (call under the read lock).
        func search(_ tokens: [String], limit: Int, admit: (String) -> Bool) -> [LexicalHit] {
            var mean: Double?
            if index.needsMeanIdf(tokens) {
                let v = index.version
                if let c = meanIdfCache.withLock({ $0 }), c.version == v {
                    mean = c.value
                } else {
                    let m = index.meanIdf()
                    meanIdfCache.withLock { $0 = (v, m) }
                    mean = m
                }
            }
            return index.search(queryTokens: tokens, limit: limit, meanIdf: mean, admit: admit)
        }
    }

    enum Change {
        case remove(project: String, id: String)
        case upsert(project: String, id: String, fingerprint: UInt64, tokens: [String]?)
    }

    /// Mirrors committed events (see the type's comment).
    func apply(_ events: [StoreEvent], backend: any EngineBackend) {
        applying.withLock { _ in
            var changes: [Change] = []
            for e in events {
                switch e {
                case .memoryPut(let m): changes.append(change(project: m.projectId, id: m.id, backend: backend))
                case .memoryUpdate(let u): changes.append(change(project: u.projectId, id: u.id, backend: backend))
                case .memoryDeprecate(let d): changes.append(.remove(project: d.projectId, id: d.id))
                case .memoryDelete(let p, let id): changes.append(.remove(project: p, id: id))
                case .vote, .config, .sessionCreate, .sessionPatch, .featureCreate, .featurePatch: continue
                }
            }
            guard !changes.isEmpty else { return }
            lock.withWriteLock {
                for c in changes {
                    switch c {
                    case .remove(let p, let id):
                        guard let s = storage.value[p] else { continue }
                        s.index.remove(id: id)
                        s.fingerprints[id] = nil
                    case .upsert(let p, let id, let fp, let tokens):
                        let s = lexicon(p)
                        if s.fingerprints[id] == fp { continue }
                        s.index.upsert(id: id, tokens: tokens ?? [])
                        s.fingerprints[id] = fp
                    }
                }
            }
        }
    }

    /// What the memory's current state asks of the index (read from the backend).
    private func change(project: String, id: String, backend: any EngineBackend) -> Change {
        guard let m = backend.read({ $0.memoryWithoutVector(projectId: project, id: id) }), !m.isDeprecated else {
            return .remove(project: project, id: id)
        }
        let fp = Self.fingerprint(m.content)
        let known = lock.withReadLock { storage.value[project]?.fingerprints[id] }
        return .upsert(project: project, id: id, fingerprint: fp,
                       tokens: known == fp ? nil : LexicalTokenizer.tokens(m.content))
    }

    private func lexicon(_ project: String) -> ProjectLexicon {
        if let s = storage.value[project] { return s }
        let s = ProjectLexicon(parameters)
        storage.value[project] = s
        return s
    }

    /// Start-up: indexes every live, non-deprecated memory of every project from the tables.
    /// Holds `applying` throughout, so no mirror is lost between the read and the swap (a
    /// mirror waiting meanwhile re-applies a change the tables already showed: idempotent).
    func load(backend: any EngineBackend) {
        applying.withLock { _ in loadLocked(backend: backend) }
    }

    private func loadLocked(backend: any EngineBackend) {
        let built: [String: ProjectLexicon] = backend.read { view in
            var out: [String: ProjectLexicon] = [:]
            for project in view.projectIds() {
                let s = ProjectLexicon(parameters)
                view.forEachMemory(projectId: project) { m in
                    if !m.isDeprecated {
                        s.index.upsert(id: m.id, text: m.content)
                        s.fingerprints[m.id] = Self.fingerprint(m.content)
                    }
                    return true
                }
                out[project] = s
            }
            return out
        }
        lock.withWriteLock { storage.value = built }
    }

    /// Runs `body` on the project's index under the read lock (nil when the project has none).
    func withIndex<T>(_ project: String, _ body: (LexicalIndex?) throws -> T) rethrows -> T {
        try lock.withReadLock { try body(storage.value[project]?.index) }
    }

    /// The project's best `limit` documents for `tokens` that `admit` accepts.
    func search(project: String, tokens: [String], limit: Int, admit: (String) -> Bool) -> [LexicalHit] {
        lock.withReadLock { storage.value[project]?.search(tokens, limit: limit, admit: admit) ?? [] }
    }

    /// Sizes of every project's index, summed.
    func statistics() -> LexicalStatistics {
        lock.withReadLock { storage.value.values.reduce(LexicalStatistics()) { $0 + $1.index.statistics } }
    }

    /// Drops dead postings in every project (`compact`).
    func compact() {
        applying.withLock { _ in lock.withWriteLock { for s in storage.value.values { s.index.compact() } } }
    }

    /// FNV-1a over the content's UTF-8 (equal content → equal tokens; in memory only).
    static func fingerprint(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h ^= UInt64(b); h = h &* 0x100000001b3 }
        return h
    }
}
