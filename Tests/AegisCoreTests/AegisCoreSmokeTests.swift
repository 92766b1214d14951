import Testing
@testable import AegisCore

@Test func AegisCoreModuleLinks() {
    #expect(!String(describing: EmbeddingError.Code.unavailable).isEmpty)
}
