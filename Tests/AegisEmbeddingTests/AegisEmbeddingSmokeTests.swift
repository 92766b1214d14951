import Testing
@testable import AegisEmbedding

@Test func AegisEmbeddingModuleLinks() {
    #expect(!AegisEmbeddingModule.name.isEmpty)
}
