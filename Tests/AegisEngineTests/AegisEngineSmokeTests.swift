import Testing
@testable import AegisEngine

@Test func AegisEngineModuleLinks() {
    #expect(!AegisEngineModule.name.isEmpty)
}
