import Testing
@testable import AegisHNSW

// Placeholder so the test target builds (the smoke test referenced a removed type).
@Test func hnswLinks() throws {
    let index = try HNSWIndex(configuration: HNSWConfiguration(dimension: 2))
    try index.insert(label: 1, vector: [1, 0])
    #expect(index.count == 1)
}
