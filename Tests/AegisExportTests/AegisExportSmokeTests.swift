import Testing
@testable import AegisExport

@Test func AegisExportModuleLinks() {
    #expect(!AegisExportModule.name.isEmpty)
}
