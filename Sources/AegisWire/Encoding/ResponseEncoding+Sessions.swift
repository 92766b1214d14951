import AegisCore
import AegisEngine

extension ResponseEncoding {
    package static func session(_ s: SessionOut, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(s.id)
        w.key("session_id"); w.string(s.sessionId)
        w.key("status"); w.string(s.status)
        w.key("completed_count"); w.int(s.completedCount)
        w.key("total_items"); w.int(s.totalItems)
        w.key("progress_percent"); w.double(s.progressPercent)
        w.key("completed_items"); w.stringArray(s.completedItems)
        w.key("in_progress_item"); w.optionalString(s.inProgressItem)
        w.key("next_items"); w.stringArray(s.nextItems)
        w.key("blocked_items"); w.beginArray(); for b in s.blockedItems { w.object(b) }; w.endArray()
        w.key("summary"); w.optionalString(s.summary)
        w.key("last_action"); w.optionalString(s.lastAction)
        w.key("updated_at"); w.timestamp(s.updatedAt)
        w.key("agent_id"); w.optionalString(s.agentId)
        w.key("user_id"); w.optionalString(s.userId)
        w.key("namespace"); w.string(s.namespace)
        w.key("created_at"); w.timestamp(s.createdAt)
        w.endObject()
    }

    package static func feature(_ f: FeatureOut, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("id"); w.string(f.id)
        w.key("feature_id"); w.string(f.featureId)
        w.key("description"); w.string(f.description)
        w.key("category"); w.optionalString(f.category)
        w.key("status"); w.string(f.status)
        w.key("passes"); w.bool(f.passes)
        w.key("test_steps"); w.stringArray(f.testSteps)
        w.key("implemented_by"); w.optionalString(f.implementedBy)
        w.key("verified_by"); w.optionalString(f.verifiedBy)
        w.key("updated_at"); w.timestamp(f.updatedAt)
        w.key("session_id"); w.optionalString(f.sessionId)
        w.key("namespace"); w.string(f.namespace)
        w.key("implementation_notes"); w.optionalString(f.implementationNotes)
        w.key("failure_reason"); w.optionalString(f.failureReason)
        w.key("created_at"); w.timestamp(f.createdAt)
        w.key("completed_at"); w.optionalTimestamp(f.completedAt)
        w.endObject()
    }

    package static func featureList(_ l: FeatureListResponse, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("features"); w.beginArray(); for f in l.features { feature(f, &w) }; w.endArray()
        w.key("total"); w.int(l.total)
        w.key("passing"); w.int(l.passing)
        w.key("failing"); w.int(l.failing)
        w.key("in_progress"); w.int(l.inProgress)
        w.endObject()
    }

    /// Exactly the 10 keys of docs/api.md, "Evaluation" (the SDK passes them as constructor arguments).
    package static func evalMetrics(_ m: EvalMetrics, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("success_rate"); w.double(m.successRate)
        w.key("retrieval_precision"); w.double(m.retrievalPrecision)
        w.key("pollution_rate"); w.double(m.pollutionRate)
        w.key("mttr_seconds"); w.double(m.mttrSeconds)
        w.key("total_tasks"); w.int(m.totalTasks)
        w.key("passing_tasks"); w.int(m.passingTasks)
        w.key("total_memories"); w.int(m.totalMemories)
        w.key("helpful_votes"); w.int(m.helpfulVotes)
        w.key("harmful_votes"); w.int(m.harmfulVotes)
        w.key("window"); w.string(m.window)
        w.endObject()
    }

    /// Exactly the 6 keys of docs/api.md, "Evaluation".
    package static func evalCorrelation(_ c: EvalCorrelation, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("correlation_score"); w.double(c.correlationScore)
        w.key("prob_pass_given_helpful"); w.double(c.probPassGivenHelpful)
        w.key("prob_pass_given_harmful"); w.double(c.probPassGivenHarmful)
        w.key("sample_size"); w.int(c.sampleSize)
        w.key("helpful_count"); w.int(c.helpfulCount)
        w.key("harmful_count"); w.int(c.harmfulCount)
        w.endObject()
    }

    package static func dashboardStats(_ s: DashboardStats, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("total_memories"); w.int(s.totalMemories)
        w.key("total_reflections"); w.int(s.totalReflections)
        w.key("total_strategies"); w.int(s.totalStrategies)
        w.key("total_features"); w.int(s.totalFeatures)
        w.key("recent_activity_count"); w.int(s.recentActivityCount)
        w.key("top_agents"); w.beginArray()
        for a in s.topAgents {
            w.beginObject(); w.key("agent_id"); w.string(a.agentId); w.key("memory_count"); w.int(a.memoryCount); w.endObject()
        }
        w.endArray()
        w.key("by_type"); w.beginObject(); for t in s.byType { w.key(t.type); w.int(t.count) }; w.endObject()
        w.key("active_sessions"); w.int(s.activeSessions)
        w.key("features"); w.beginObject()
        w.key("total"); w.int(s.featuresTotal); w.key("passing"); w.int(s.featuresPassing)
        w.key("failing"); w.int(s.featuresFailing); w.key("in_progress"); w.int(s.featuresInProgress)
        w.endObject()
        w.key("votes"); w.beginObject()
        w.key("helpful"); w.int(s.helpfulVotes); w.key("harmful"); w.int(s.harmfulVotes)
        w.endObject()
        w.key("eval"); w.beginObject()
        w.key("success_rate"); w.double(s.successRate); w.key("retrieval_precision"); w.double(s.retrievalPrecision)
        w.endObject()
        w.endObject()
    }

    package static func activity(_ a: DashboardActivity, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("items"); w.beginArray()
        for i in a.items {
            w.beginObject()
            w.key("id"); w.string(i.id)
            w.key("memory_type"); w.string(i.memoryType)
            w.key("content_preview"); w.string(i.contentPreview)
            w.key("agent_id"); w.optionalString(i.agentId)
            w.key("effectiveness_score"); w.double(i.effectivenessScore)
            w.key("bullet_helpful"); w.int(i.bulletHelpful)
            w.key("bullet_harmful"); w.int(i.bulletHarmful)
            w.key("created_at"); w.timestamp(i.createdAt)
            w.key("error_pattern"); w.optionalString(i.errorPattern)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }

    /// Rows as in 1.2 minus `project_id`; timestamps `+00:00` like 1.2's `isoformat()`.
    package static func dashboardSessions(_ s: DashboardSessions, _ w: inout JSONWriter) {
        w.beginObject()
        w.key("sessions"); w.beginArray()
        for r in s.sessions {
            w.beginObject()
            w.key("id"); w.string(r.id)
            w.key("session_id"); w.string(r.sessionId)
            w.key("agent_id"); w.optionalString(r.agentId)
            w.key("user_id"); w.optionalString(r.userId)
            w.key("namespace"); w.string(r.namespace)
            w.key("completed_items"); w.stringArray(r.completedItems)
            w.key("in_progress_item"); w.optionalString(r.inProgressItem)
            w.key("next_items"); w.stringArray(r.nextItems)
            w.key("blocked_items"); w.beginArray(); for b in r.blockedItems { w.object(b) }; w.endArray()
            w.key("status"); w.string(r.status)
            w.key("summary"); w.optionalString(r.summary)
            w.key("last_action"); w.optionalString(r.lastAction)
            w.key("total_items"); w.int(r.totalItems)
            w.key("completed_count"); w.int(r.completedCount)
            w.key("created_at"); w.string(r.createdAt.iso8601(zone: .offset))
            w.key("updated_at"); w.string(r.updatedAt.iso8601(zone: .offset))
            w.key("progress_percent"); w.double(r.progressPercent)
            w.endObject()
        }
        w.endArray()
        w.endObject()
    }
}
