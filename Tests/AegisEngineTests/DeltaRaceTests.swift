import Testing
import AegisCore
import AegisStorage
@testable import AegisEngine

/// A delta whose target is deleted between its check and its commit (deletes take no engine
/// lock): the delta fails as "Memory not found" and never brings the memory back.
@Suite struct DeltaRaceTests {
    /// Deletes `victim` (through the real inner backend) right before the first commit that
    /// touches it, as a concurrent DELETE would.
    final class DeleteFirstBackend: EngineBackend, @unchecked Sendable {
        let inner: InMemoryBackend
        let victim = Locked<(project: String, id: String)?>(nil)
        init(inner: InMemoryBackend) { self.inner = inner }
        func commit(_ events: [StoreEvent], precondition: EnginePrecondition?) async throws {
            let touches = events.contains { e in
                switch e {
                case .memoryUpdate(let u): return u.id == victim.withLock { $0?.id }
                case .memoryDeprecate(let d): return d.id == victim.withLock { $0?.id }
                default: return false
                }
            }
            if touches, let v = victim.withLock({ v -> (project: String, id: String)? in defer { v = nil }; return v }) {
                try await inner.commit([.memoryDelete(projectId: v.project, id: v.id)], precondition: nil)
            }
            try await inner.commit(events, precondition: precondition)
        }
        func read<T>(_ body: (any TableView) throws -> T) rethrows -> T { try inner.read(body) }
        func embeddingModel() -> (name: String, dimension: Int)? { inner.embeddingModel() }
        func recordEmbeddingModel(name: String, dimension: Int) async throws { try await inner.recordEmbeddingModel(name: name, dimension: dimension) }
        func loadedIndexSection() -> [UInt8]? { inner.loadedIndexSection() }
        func reembeddedSinceIndex() -> Set<String> { [] }
        func checkpoint(indexSection: [UInt8], indexLSN: UInt64) async throws { try await inner.checkpoint(indexSection: indexSection, indexLSN: indexLSN) }
        func committedLSN() -> UInt64 { inner.committedLSN() }
        func readOnlyReason() -> String? { inner.readOnlyReason() }
        func close() async throws {}
    }

    @Test(arguments: ["update", "deprecate"])
    func deltaOnAMemoryDeletedMeanwhileFailsAndDoesNotResurrectIt(type: String) async throws {
        let backend = DeleteFirstBackend(inner: InMemoryBackend())
        let e = try await AegisEngine(backend: backend, embedder: hashEmbedder)
        let target = try await e.addText("soon gone", agent: "a")
        backend.victim.withLock { $0 = (P, target) }
        let r = try await e.delta(project: P, DeltaRequest(operations: [
            DeltaOperation(type: "add", content: "added beside it", agentId: "a"),
            DeltaOperation(type: type, agentId: "a", memoryId: target, metadataPatch: ["k": .int(1)]),
        ]))
        #expect(r.results.map(\.success) == [false, false])
        #expect(r.results[1].error == "Memory not found")
        #expect(r.results[0].error == "Not applied: operation 1 failed (delta is atomic)")
        #expect(e.backend.read { $0.memory(projectId: P, id: target) } == nil)
        #expect(e.backend.read { $0.memoryCount(projectId: P) } == 0)
    }
}
