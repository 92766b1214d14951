import AegisCore
import AegisEngine

/// Engine response values → wire JSON, every declared field present, in declaration order
/// (docs/api.md, docs/openapi.yaml). Fields 1.2 lacked follow the 1.2 fields; the SDK ignores or reads them
/// with defaults.
package enum ResponseEncoding {
    package static func memory(_ m: MemoryOut, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(m.id)
        w.key("content"); w.string(m.content)
        w.key("user_id"); w.optionalString(m.userId)
        w.key("agent_id"); w.optionalString(m.agentId)
        w.key("namespace"); w.string(m.namespace)
        w.key("metadata"); w.object(m.metadata)
        w.key("created_at"); w.timestamp(m.createdAt)
        w.key("scope"); w.string(m.scope)
        w.key("shared_with_agents"); w.stringArray(m.sharedWithAgents)
        w.key("derived_from_agents"); w.stringArray(m.derivedFromAgents)
        w.key("coordination_metadata"); w.object(m.coordinationMetadata)
        w.key("score"); w.optionalDouble(m.score)
        w.key("memory_type"); w.string(m.memoryType)
        w.key("bullet_helpful"); w.int(m.bulletHelpful)
        w.key("bullet_harmful"); w.int(m.bulletHarmful)
        w.key("effectiveness_score"); w.double(m.effectivenessScore)
        w.key("expires_at"); w.optionalTimestamp(m.expiresAt)
        w.key("updated_at"); w.timestamp(m.updatedAt)
        w.key("is_deprecated"); w.bool(m.isDeprecated)
        w.key("superseded_by"); w.optionalString(m.supersededBy)
        w.endObject()
    }

    package static func addResult(_ r: AddResult, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(r.id)
        w.key("deduped_from"); w.optionalString(r.dedupedFrom)
        w.key("inferred_scope"); w.optionalString(r.inferredScope)
        w.endObject()
    }

    package static func addBatch(_ r: AddBatchResponse, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("results"); w.beginArray(); for x in r.results { addResult(x, &w) }; w.endArray()
        w.key("embeddings_cached"); w.int(r.embeddingsCached)
        w.key("total_time_ms"); w.double(round2(r.totalTimeMs))
        w.endObject()
    }

    package static func query(_ r: QueryResponse, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("memories"); w.beginArray(); for m in r.memories { memory(m, &w) }; w.endArray()
        w.key("query_time_ms"); w.double(round2(r.queryTimeMs))
        w.endObject()
    }

    package static func baton(_ b: HandoffBaton, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("source_agent_id"); w.string(b.sourceAgentId)
        w.key("target_agent_id"); w.string(b.targetAgentId)
        w.key("namespace"); w.string(b.namespace)
        w.key("user_id"); w.optionalString(b.userId)
        w.key("task_context"); w.optionalString(b.taskContext)
        w.key("summary"); w.optionalString(b.summary)
        w.key("active_tasks"); w.stringArray(b.activeTasks)
        w.key("blocked_on"); w.stringArray(b.blockedOn)
        w.key("recent_decisions"); w.stringArray(b.recentDecisions)
        w.key("key_facts"); w.stringArray(b.keyFacts)
        w.key("memory_ids"); w.stringArray(b.memoryIds)
        w.endObject()
    }

    package static func vote(_ v: VoteResponse, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("memory_id"); w.string(v.memoryId)
        w.key("bullet_helpful"); w.int(v.bulletHelpful)
        w.key("bullet_harmful"); w.int(v.bulletHarmful)
        w.key("effectiveness_score"); w.double(v.effectivenessScore)
        w.endObject()
    }

    /// `GET /memories/ace/votes/{memory_id}`: `{"memory_id", "votes": [...], "total"}`.
    package static func voteList(memoryId: String, _ votes: [Vote], total: Int, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("memory_id"); w.string(memoryId)
        w.key("votes"); w.beginArray()
        for v in votes {
            w.beginObject()
            w.key("id"); w.string(v.id)
            w.key("voter_agent_id"); w.string(v.voterAgentId)
            w.key("vote"); w.string(v.vote.rawValue)
            w.key("context"); w.optionalString(v.context)
            w.key("task_id"); w.optionalString(v.taskId)
            w.key("created_at"); w.timestamp(v.createdAt)
            w.endObject()
        }
        w.endArray()
        w.key("total"); w.int(total)
        w.endObject()
    }

    package static func delta(_ d: DeltaResponse, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("results"); w.beginArray()
        for r in d.results {
            w.beginObject()
            w.key("operation"); w.string(r.operation)
            w.key("success"); w.bool(r.success)
            w.key("memory_id"); w.optionalString(r.memoryId)
            w.key("error"); w.optionalString(r.error)
            w.endObject()
        }
        w.endArray()
        w.key("total_time_ms"); w.double(round2(d.totalTimeMs))
        w.endObject()
    }

    package static func reflection(_ r: ReflectionResponse, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(r.id)
        w.key("memory_type"); w.string(r.memoryType)
        w.key("scope"); w.string(r.scope)
        w.key("effectiveness_score"); w.double(r.effectivenessScore)
        w.endObject()
    }

    package static func playbook(_ p: PlaybookResponse, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("entries"); w.beginArray()
        for e in p.entries {
            w.beginObject()
            w.key("id"); w.string(e.id)
            w.key("content"); w.string(e.content)
            w.key("memory_type"); w.string(e.memoryType)
            w.key("effectiveness_score"); w.double(e.effectivenessScore)
            w.key("bullet_helpful"); w.int(e.bulletHelpful)
            w.key("bullet_harmful"); w.int(e.bulletHarmful)
            w.key("error_pattern"); w.optionalString(e.errorPattern)
            w.key("created_at"); w.timestamp(e.createdAt)
            w.endObject()
        }
        w.endArray()
        w.key("query_time_ms"); w.double(round2(p.queryTimeMs))
        w.endObject()
    }

    /// Python `round(x, 2)` closely enough for timings.
    package static func round2(_ x: Double) -> Double { (x * 100).rounded() / 100 }
}
