import Testing
@testable import AegisVector

// Placeholder so the test target builds (the smoke test referenced a removed type).
@Test func vectorKernelsLink() {
    #expect(VectorKernels.dot([1, 2], [3, 4]) == 11)
}
