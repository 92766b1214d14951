import Testing
@testable import AegisVector

@Test func AegisVectorModuleLinks() {
    #expect(!AegisVectorModule.name.isEmpty)
}
