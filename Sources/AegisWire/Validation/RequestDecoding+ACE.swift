import AegisCore
import AegisEngine

/// Body → engine request values for the ACE routes (docs/api.md, "ACE"). Where 1.2 accepted any string for an
/// enumeration (docs/api.md, "Differences from 1.2") we validate with a `literal_error`, so stored data stays loadable.
extension RequestDecoding {
    package static let memoryTypes = ["standard", "reflection", "progress", "feature", "strategy"]
    package static let sessionStatuses = ["active", "paused", "completed", "failed"]
    package static let featureStatuses = ["not_started", "in_progress", "blocked", "testing", "complete", "failed"]

    package static func vote(_ v: JSONValue?) throws(EngineError) -> VoteRequest {
        try decodeBody(v) { r in
            VoteRequest(vote: r.literal("vote", ["helpful", "harmful"], default: nil) ?? "helpful",
                        voterAgentId: r.requiredString("voter_agent_id", min: 1, max: 64),
                        context: r.optionalString("context", max: 1000),
                        taskId: r.optionalString("task_id", max: 64))
        }
    }

    package static func delta(_ v: JSONValue?) throws(EngineError) -> DeltaRequest {
        try decodeBody(v) { r in
            guard let ops = r.requiredList("operations", minItems: 1, maxItems: 100) else { return DeltaRequest(operations: []) }
            var out: [DeltaOperation] = []
            for (i, op) in ops.enumerated() {
                guard var o = FieldReader.model(op, loc: r.loc + [.key("operations"), .index(i)], issues: &r.issues) else { continue }
                let type = o.literal("type", ["add", "update", "deprecate"], default: nil) ?? "add"
                let content = o.optionalString("content", max: 100_000)
                var memoryType = o.optionalString("memory_type")
                if let mt = memoryType, !memoryTypes.contains(mt) {
                    o.add("literal_error", "memory_type", "Input should be \(FieldReader.expectedList(memoryTypes))", .string(mt),
                          ctx: [("expected", JSONWriter.encode(.string(FieldReader.expectedList(memoryTypes))))])
                    memoryType = nil
                }
                let agent = o.optionalString("agent_id", max: 64)
                let user = o.optionalString("user_id", max: 64)
                let ns = o.defaultedString("namespace", default: "default", max: 64)
                var scope = o.optionalString("scope")
                if let s = scope, !scopes.contains(s) {
                    o.add("value_error", "scope", "Value error, scope must be one of: ['agent-private', 'agent-shared', 'global']",
                          .string(s), ctx: [("error", "{}")])
                    scope = nil
                }
                let op = DeltaOperation(type: type, content: content, memoryType: memoryType, agentId: agent, userId: user,
                                        namespace: ns, scope: scope, metadata: o.optionalObject("metadata"),
                                        ttlSeconds: o.optionalInt("ttl_seconds", ge: 1, le: 31_536_000),
                                        memoryId: o.optionalString("memory_id"),
                                        metadataPatch: o.optionalObject("metadata_patch"),
                                        supersededBy: o.optionalString("superseded_by"),
                                        deprecationReason: o.optionalString("deprecation_reason"))
                r.issues += o.issues
                out.append(op)
            }
            return DeltaRequest(operations: out)
        }
    }

    package static func reflection(_ v: JSONValue?) throws(EngineError) -> ReflectionRequest {
        try decodeBody(v) { r in
            let content = r.requiredString("content", min: 1, max: 100_000)
            let agent = r.requiredString("agent_id", min: 1, max: 64)
            let user = r.optionalString("user_id", max: 64)
            let ns = r.defaultedString("namespace", default: "default", max: 64)
            let traj = r.optionalString("source_trajectory_id", max: 64)
            let pattern = r.optionalString("error_pattern", max: 128)
            let approach = r.optionalString("correct_approach", max: 10_000)
            let contexts = r.optionalStringList("applicable_contexts")
            var scope = r.optionalString("scope")
            if let s = scope, !scopes.contains(s) {
                r.add("value_error", "scope", "Value error, scope must be one of: ['agent-private', 'agent-shared', 'global']",
                      .string(s), ctx: [("error", "{}")])
                scope = nil
            }
            return ReflectionRequest(content: content, agentId: agent, userId: user, namespace: ns,
                                     sourceTrajectoryId: traj, errorPattern: pattern, correctApproach: approach,
                                     applicableContexts: contexts, scope: scope, metadata: r.optionalObject("metadata"))
        }
    }

    package static func playbook(_ v: JSONValue?) throws(EngineError) -> PlaybookRequest {
        try decodeBody(v) { r in
            let query = r.requiredString("query", min: 1, max: 10_000)
            let agent = r.requiredString("agent_id", min: 1, max: 64)
            let ns = r.defaultedString("namespace", default: "default")
            var types = r.defaultedStringList("include_types", default: ["strategy", "reflection"])
            for (i, t) in types.enumerated() where !memoryTypes.contains(t) {
                r.add("literal_error", "include_types", "Input should be \(FieldReader.expectedList(memoryTypes))", .string(t),
                      ctx: [("expected", JSONWriter.encode(.string(FieldReader.expectedList(memoryTypes))))], extra: [.index(i)])
            }
            if !r.issues.isEmpty { types = [] }
            return PlaybookRequest(query: query, agentId: agent, namespace: ns, includeTypes: types,
                                   topK: r.defaultedInt("top_k", default: 20, ge: 1, le: 100),
                                   minEffectiveness: r.defaultedDouble("min_effectiveness", default: -1.0, ge: -1.0, le: 1.0))
        }
    }

    package static func createSession(_ v: JSONValue?) throws(EngineError) -> CreateSessionRequest {
        try decodeBody(v) { r in
            CreateSessionRequest(sessionId: r.requiredString("session_id", min: 1, max: 64),
                                 agentId: r.optionalString("agent_id", max: 64),
                                 userId: r.optionalString("user_id", max: 64),
                                 namespace: r.defaultedString("namespace", default: "default", max: 64))
        }
    }

    package static func patchSession(_ v: JSONValue?) throws(EngineError) -> PatchSessionRequest {
        try decodeBody(v) { r in
            let completed = r.optionalStringList("completed_items")
            let inProgress = r.optionalString("in_progress_item", max: 256)
            let next = r.optionalStringList("next_items")
            let blocked = r.optionalStringDictList("blocked_items")
            let summary = r.optionalString("summary")
            let last = r.optionalString("last_action")
            var status: String? = nil
            if let s = r.object["status"], !s.isNull {
                status = r.literal("status", sessionStatuses, default: nil)
            }
            return PatchSessionRequest(completedItems: completed, inProgressItem: inProgress, nextItems: next,
                                       blockedItems: blocked, summary: summary, lastAction: last, status: status,
                                       totalItems: r.optionalInt("total_items", ge: 0))
        }
    }

    package static func createFeature(_ v: JSONValue?) throws(EngineError) -> CreateFeatureRequest {
        try decodeBody(v) { r in
            CreateFeatureRequest(featureId: r.requiredString("feature_id", min: 1, max: 128),
                                 description: r.requiredString("description", min: 1, max: 10_000),
                                 sessionId: r.optionalString("session_id", max: 64),
                                 namespace: r.defaultedString("namespace", default: "default", max: 64),
                                 category: r.optionalString("category", max: 64),
                                 testSteps: r.optionalStringList("test_steps"))
        }
    }

    package static func patchFeature(_ v: JSONValue?) throws(EngineError) -> PatchFeatureRequest {
        try decodeBody(v) { r in
            var status: String? = nil
            if let s = r.object["status"], !s.isNull {
                status = r.literal("status", featureStatuses, default: nil)
            }
            return PatchFeatureRequest(status: status, passes: r.optionalBool("passes"),
                                       implementedBy: r.optionalString("implemented_by", max: 64),
                                       verifiedBy: r.optionalString("verified_by", max: 64),
                                       implementationNotes: r.optionalString("implementation_notes"),
                                       failureReason: r.optionalString("failure_reason"))
        }
    }
}
