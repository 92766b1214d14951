import AegisCore

/// Scope inference when a client omits `scope` (§8.3), made safe (§14.9):
/// - never infers `global`: only an explicit `scope: "global"` publishes a memory to every
///   agent. Content keywords and metadata tags can only keep a memory private (1.2 widened
///   to global on `tags: ["team"]` or on two "global" keywords in the prose; that behaviour
///   is available as `legacyGlobalInference` for operators who need it);
/// - keyword matching uses whole words (no substring hits such as "systemic" → "system");
/// - the request's top-level `shared_with_agents` is consulted (→ `agent-shared`), as well
///   as `metadata.shared_with_agents`;
/// - a non-list, non-string `tags` value is ignored instead of crashing.
///
/// Result of `infer`: the scope and why (for explain/debugging).
public enum ScopeInference {
    public static let globalTags: Set<String> = ["global", "team", "shared", "public"]
    public static let privateTags: Set<String> = ["private", "internal", "personal"]
    public static let globalKeywords = [
        "project", "team", "deadline", "everyone", "all agents", "system", "company",
        "organization", "shared", "announcement", "policy", "guideline", "requirement", "standard",
    ]
    public static let privateKeywords = [
        "thinking", "internal", "considering", "my analysis", "draft", "scratch", "temporary",
        "private", "personal", "todo", "note to self", "reminder",
    ]

    public enum Reason: String, Sendable, Equatable {
        case globalTag, globalKeywords, privateTag, privateKeywords, sharedWithAgents, defaultPrivate
    }

    /// Infers the scope of a memory whose request had no explicit scope.
    /// `legacyGlobalInference`: the 1.2 rules that widen to `global` (global tags; ≥ 2 global
    /// keywords outnumbering private ones). Off by default.
    public static func infer(content: String, metadata: JSONObject, agentId: String?,
                             sharedWithAgents: [String]?, legacyGlobalInference: Bool = false) -> (Scope, Reason) {
        // Rule 2: tags in metadata.
        let tags = tagSet(metadata["tags"])
        let globalTagged = !tags.isDisjoint(with: globalTags)
        if globalTagged, legacyGlobalInference { return (.global, .globalTag) }
        if !globalTagged, !tags.isDisjoint(with: privateTags) { return (.agentPrivate, .privateTag) }
        // Rule 3: keyword scoring (whole words).
        let words = wordSequence(content)
        let g = countKeywords(globalKeywords, in: words)
        let p = countKeywords(privateKeywords, in: words)
        if legacyGlobalInference, !globalTagged, g >= 2, g > p { return (.global, .globalKeywords) }
        if !globalTagged, p > g { return (.agentPrivate, .privateKeywords) }
        // Rule 4: sharing lists (top-level field or metadata) → agent-shared, when owned.
        if agentId != nil {
            if let list = sharedWithAgents, !list.isEmpty { return (.agentShared, .sharedWithAgents) }
            if isNonEmpty(metadata["shared_with_agents"]) { return (.agentShared, .sharedWithAgents) }
        }
        return (.agentPrivate, .defaultPrivate)
    }

    /// `tags` as a lowercased set: a string is one tag; a list contributes its scalar items.
    static func tagSet(_ value: JSONValue?) -> Set<String> {
        guard let value else { return [] }
        switch value {
        case .string(let s): return [s.lowercased()]
        case .array(let items):
            var out = Set<String>()
            for item in items {
                switch item {
                case .string(let s): out.insert(s.lowercased())
                case .int(let i): out.insert(String(i))
                case .bool(let b): out.insert(b ? "true" : "false")
                default: continue
                }
            }
            return out
        default: return []
        }
    }

    static func isNonEmpty(_ value: JSONValue?) -> Bool {
        guard let value else { return false }
        switch value {
        case .null: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .double(let d): return d != 0
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    /// Lowercased words (letters/digits runs).
    static func wordSequence(_ content: String) -> [Substring] {
        let lower = content.lowercased()
        return lower.split(whereSeparator: { !($0.isLetter || $0.isNumber) })
    }

    /// Number of distinct keywords (single or multi-word) present as whole-word sequences.
    static func countKeywords(_ keywords: [String], in words: [Substring]) -> Int {
        var count = 0
        for kw in keywords {
            let parts = kw.split(separator: " ")
            if containsSequence(words, parts) { count += 1 }
        }
        return count
    }

    static func containsSequence(_ words: [Substring], _ parts: [Substring]) -> Bool {
        guard !parts.isEmpty, words.count >= parts.count else { return false }
        var i = 0
        while i + parts.count <= words.count {
            var match = true
            for j in 0..<parts.count where words[i + j] != parts[j] { match = false; break }
            if match { return true }
            i += 1
        }
        return false
    }
}
