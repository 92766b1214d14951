import Testing
@testable import AegisLog

@Test func AegisLogModuleLinks() {
    #expect(!AegisLogModule.name.isEmpty)
}
