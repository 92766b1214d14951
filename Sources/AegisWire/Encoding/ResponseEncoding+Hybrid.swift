import AegisCore
import AegisEngine

/// `hybrid_query`'s answer (Aegis 2.4's shape; docs/api.md, "Hybrid retrieval").
extension ResponseEncoding {
    package static func hybrid(_ r: HybridQueryResponse, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("results"); w.beginArray()
        for h in r.results {
            w.beginObject()
            w.key("id"); w.string(h.id)
            w.key("content"); w.string(h.content)
            w.key("score"); w.double(h.score)
            w.key("memory_type"); w.string(h.memoryType)
            w.key("scope"); w.string(h.scope)
            w.key("effectiveness"); w.double(h.effectiveness)
            w.key("agent_id"); w.optionalString(h.agentId)
            if let e = h.explain {
                w.key("explain"); w.beginObject()
                w.key("dense_rank"); if let x = e.denseRank { w.int(x) } else { w.null() }
                w.key("dense_score"); w.optionalDouble(e.denseScore)
                w.key("lexical_rank"); if let x = e.lexicalRank { w.int(x) } else { w.null() }
                w.key("bm25_score"); w.optionalDouble(e.bm25Score)
                w.key("fused_score"); w.double(e.fusedScore)
                w.key("decay_factor"); w.optionalDouble(e.decayFactor)
                w.endObject()
            }
            w.endObject()
        }
        w.endArray()
        w.key("meta"); w.beginObject()
        w.key("mode"); w.string(r.mode)
        w.key("candidate_pool"); w.int(r.candidatePool)
        w.key("decay_applied"); w.bool(r.decayApplied)
        w.endObject()
        w.key("query_time_ms"); w.double(round2(r.queryTimeMs))
        w.endObject()
    }
}
