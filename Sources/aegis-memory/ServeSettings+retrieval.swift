import AegisEngine

/// The hybrid-retrieval settings (docs/configuration.md, "Hybrid retrieval").
extension ServeSettings {
    func applyRetrieval(to c: inout EngineConfiguration) throws {
        if let v = string("AEGIS_QUERY_RETRIEVAL"), !v.isEmpty {
            guard let r = Retrieval(rawValue: v.lowercased()) else {
                throw ServeSettingsError("AEGIS_QUERY_RETRIEVAL must be dense, hybrid or lexical (got \"\(v)\")")
            }
            c.queryRetrieval = r
        }
        if let v = try int("AEGIS_HYBRID_CANDIDATE_POOL") { c.hybridCandidatePool = v }
        if let v = try double("AEGIS_BM25_K1") { c.bm25.k1 = v }
        if let v = try double("AEGIS_BM25_B") { c.bm25.b = v }
        if let v = string("AEGIS_DECAY_HALF_LIFE_DAYS"), !v.isEmpty {
            guard let d = DecayParameters.parse(v) else {
                throw ServeSettingsError("AEGIS_DECAY_HALF_LIFE_DAYS must be type=days pairs separated by commas, e.g. standard=30,progress=7,*=30 (got \"\(v)\")")
            }
            c.decay = d
        }
    }

    private func double(_ name: String) throws -> Double? {
        guard let s = string(name), !s.isEmpty else { return nil }
        guard let d = Double(s), d.isFinite else { throw ServeSettingsError("\(name) must be a number (got \"\(s)\")") }
        return d
    }
}
