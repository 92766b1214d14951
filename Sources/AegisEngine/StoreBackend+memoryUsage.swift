import AegisStorage

extension StoreBackend {
    /// The store's own components (docs/operations.md, "Memory").
    public func memoryUsage() -> StoreMemoryUsage { store.memoryUsage() }
}
