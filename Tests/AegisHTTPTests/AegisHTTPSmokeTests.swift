import Testing
@testable import AegisHTTP

@Test func AegisHTTPModuleLinks() {
    #expect(!AegisHTTPModule.name.isEmpty)
}
