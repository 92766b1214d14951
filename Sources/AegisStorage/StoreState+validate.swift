import AegisCore

/// Existence changes made by commits validated but not yet applied (the current write group),
/// so several commits of one group are checked as if applied in order.
struct PendingOverlay {
    struct MemKey: Hashable { var project: String; var id: String }
    struct SessKey: Hashable { var project: String; var session: String }
    struct FeatKey: Hashable { var project: String; var key: FeatureKey }
    var memories: [MemKey: Bool] = [:]
    var sessions: [SessKey: Bool] = [:]
    var features: [FeatKey: Bool] = [:]
    var dimension: Int?
    var isEmpty: Bool { memories.isEmpty && sessions.isEmpty && features.isEmpty && dimension == nil }
}

extension StoreState {
    /// The admission check of every commit, run by the single writer before the commit is
    /// logged (`Store`) or applied (`InMemoryStore`): the commit's precondition, given the view
    /// and the events of the commits ahead of it in its write group, then `validate`.
    func admit(_ events: [StoreEvent], precondition: StorePrecondition?, pending: [StoreEvent],
               overlay: inout PendingOverlay) throws {
        if let precondition { try precondition(StoreView(state: self), pending) }
        try validate(events, overlay: &overlay)
    }

    /// Checks a commit against the state plus `overlay`; on success records its effects in
    /// `overlay`. Throws `AegisError` (`notFound`, `conflict`, `invalidArgument`, `mismatch`)
    /// with `field` = `events[i]…`. Nothing is recorded when it throws.
    func validate(_ events: [StoreEvent], overlay: inout PendingOverlay) throws {
        guard !events.isEmpty else { throw AegisError.invalidArgument("events", "a commit needs at least one event") }
        guard events.count <= StorageFormat.maxBatchEvents else {
            throw AegisError.invalidArgument("events", "at most \(StorageFormat.maxBatchEvents) events per commit")
        }
        var o = overlay
        for (i, e) in events.enumerated() {
            try validate(e, index: i, overlay: &o)
        }
        overlay = o
    }

    private func memoryExists(_ project: String, _ id: String, _ o: PendingOverlay) -> Bool {
        if let v = o.memories[.init(project: project, id: id)] { return v }
        return rowNumber(project: project, id: id) != nil
    }
    private func sessionExists(_ project: String, _ sid: String, _ o: PendingOverlay) -> Bool {
        if let v = o.sessions[.init(project: project, session: sid)] { return v }
        return projects[project]?.sessions[sid] != nil
    }
    private func featureExists(_ project: String, _ k: FeatureKey, _ o: PendingOverlay) -> Bool {
        if let v = o.features[.init(project: project, key: k)] { return v }
        return projects[project]?.features[k] != nil
    }

    private func checkVector(_ v: [Float], field: String, _ o: PendingOverlay) throws {
        let dim = o.dimension ?? dimension
        guard dim > 0 else {
            throw AegisError(.unavailable, "the store has no embedding dimension configured (open it with an embedding model)", field: field)
        }
        guard v.count == dim else {
            throw AegisError.invalidArgument(field, "embedding has \(v.count) components, the store's dimension is \(dim)")
        }
        guard v.allSatisfy({ $0.isFinite }) else { throw AegisError.invalidArgument(field, "embedding contains NaN or infinity") }
    }

    private func checkJSON(_ o: JSONObject, field: String) throws {
        func depth(_ v: JSONValue) -> Int {
            switch v {
            case .array(let a): return 1 + (a.map(depth).max() ?? 0)
            case .object(let o): return 1 + (o.values.map(depth).max() ?? 0)
            default: return 0
            }
        }
        guard depth(.object(o)) < StorageFormat.maxJSONDepth else {
            throw AegisError.invalidArgument(field, "JSON nested deeper than \(StorageFormat.maxJSONDepth - 1) levels")
        }
    }

    private func validate(_ e: StoreEvent, index i: Int, overlay o: inout PendingOverlay) throws {
        let f = "events[\(i)]"
        switch e {
        case .config(let model, let dim):
            guard !model.isEmpty, model.utf8.count <= StorageFormat.maxModelNameBytes else {
                throw AegisError.invalidArgument(f + ".embeddingModel", "model name must be 1…\(StorageFormat.maxModelNameBytes) bytes")
            }
            guard (1...65_536).contains(dim) else { throw AegisError.invalidArgument(f + ".dimension", "dimension must be 1…65536") }
            let current = o.dimension ?? dimension
            if current != 0, current != dim, liveMemories > 0 || !o.memories.isEmpty {
                throw AegisError(.mismatch, "the store holds \(current)-dimensional vectors; re-embed before changing the dimension to \(dim)", field: f)
            }
            o.dimension = dim
        case .memoryPut(let m):
            guard !m.id.isEmpty else { throw AegisError.invalidArgument(f + ".id", "empty id") }
            guard HashKey(hex: m.contentHash) != nil else {
                throw AegisError.invalidArgument(f + ".contentHash", "content hash must be 64 hex digits")
            }
            try checkVector(m.embedding, field: f + ".embedding", o)
            try checkJSON(m.metadata, field: f + ".metadata")
            try checkJSON(m.coordinationMetadata, field: f + ".coordinationMetadata")
            guard !memoryExists(m.projectId, m.id, o) else { throw AegisError.conflict("memory \(m.id) already exists") }
            o.memories[.init(project: m.projectId, id: m.id)] = true
        case .memoryUpdate(let u):
            guard memoryExists(u.projectId, u.id, o) else { throw AegisError.notFound("Memory not found") }
            if let v = u.embedding { try checkVector(v, field: f + ".embedding", o) }
            if let m = u.metadata { try checkJSON(m, field: f + ".metadata") }
            if let m = u.metadataPatch { try checkJSON(m, field: f + ".metadataPatch") }
            if u.content != nil, HashKey(hex: u.contentHash ?? "") == nil {
                throw AegisError.invalidArgument(f + ".contentHash", "content hash must be 64 hex digits")
            }
        case .memoryDeprecate(let d):
            guard memoryExists(d.projectId, d.id, o) else { throw AegisError.notFound("Memory not found") }
        case .memoryDelete(let p, let id):
            guard memoryExists(p, id, o) else { throw AegisError.notFound("Memory not found") }
            o.memories[.init(project: p, id: id)] = false
        case .vote(let v):
            guard memoryExists(v.projectId, v.memoryId, o) else { throw AegisError.notFound("Memory not found") }
        case .sessionCreate(let s):
            guard !sessionExists(s.projectId, s.sessionId, o) else { throw AegisError.conflict("session \(s.sessionId) already exists") }
            for (j, b) in s.blockedItems.enumerated() { try checkJSON(b, field: f + ".blockedItems[\(j)]") }
            o.sessions[.init(project: s.projectId, session: s.sessionId)] = true
        case .sessionPatch(let p):
            guard sessionExists(p.projectId, p.sessionId, o) else { throw AegisError.notFound("Session not found") }
            for (j, b) in (p.blockedItems ?? []).enumerated() { try checkJSON(b, field: f + ".blockedItems[\(j)]") }
        case .featureCreate(let ft):
            let k = FeatureKey(namespace: ft.namespace, featureId: ft.featureId)
            guard !featureExists(ft.projectId, k, o) else {
                throw AegisError.conflict("feature \(ft.featureId) already exists in namespace \(ft.namespace)")
            }
            o.features[.init(project: ft.projectId, key: k)] = true
        case .featurePatch(let p):
            guard featureExists(p.projectId, FeatureKey(namespace: p.namespace, featureId: p.featureId), o) else {
                throw AegisError.notFound("Feature not found")
            }
        }
    }
}
