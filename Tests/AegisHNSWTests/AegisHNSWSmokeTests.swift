import Testing
@testable import AegisHNSW

@Test func AegisHNSWModuleLinks() {
    #expect(!AegisHNSWModule.name.isEmpty)
}
