import Testing
@testable import AegisStorage

@Test func AegisStorageModuleLinks() {
    #expect(!AegisStorageModule.name.isEmpty)
}
