import AegisCore
import AegisLog

extension Store {
    /// Opens (or creates) the store in `directory` for writing: takes `LOCK` (a second writer
    /// gets `locked`), removes `*.tmp` debris, loads the newest usable snapshot (falling back
    /// to older ones, then to the empty state, when one is damaged or missing), replays the log
    /// after it, records / checks the embedding model and dimension (`mismatch`).
    public static func open(directory: String, options: StoreOptions = StoreOptions()) async throws -> Store {
        try options.validate()
        let io = options.io
        let started = Timestamp.now()
        let lockHandle: IOHandle
        do {
            try io.makeDirectory(directory)
            // A just-released lock can stay held for a moment by a process being spawned
            // (fork duplicates descriptors until exec closes them): retry briefly.
            var attempt = 0
            while true {
                do {
                    lockHandle = try io.lockExclusive(IOPath.join(directory, StorageFormat.lockFileName))
                    break
                } catch let e as LogError where e.code == .locked && attempt < 10 {
                    attempt += 1
                    try? await Task.sleep(nanoseconds: 20_000_000)
                }
            }
        } catch let e as LogError where e.code == .locked {
            throw AegisError(.locked, "data directory \(directory) is locked by another process (is a server running on it?)",
                             location: .init(file: IOPath.join(directory, StorageFormat.lockFileName)))
        } catch {
            throw Store.map(error)
        }
        var store: Store?
        do {
            // Recovery is blocking file work: keep it off the cooperative pool.
            let (recovered, recoveredReport) = try await Store.offload { () -> (Unchecked<Recovery.Result>, StoreOpenReport) in
                var report = StoreOpenReport()
                try io.makeDirectory(IOPath.join(directory, StorageFormat.snapshotDirectory))
                report.removedDebris = try removeDebris(io: io, directory: directory)
                let r = try Recovery(io: io, directory: directory, options: options).run(writer: true, report: &report)
                return (Unchecked(r), report)
            }
            var report = recoveredReport
            report.durationMicros = Timestamp.now().microseconds - started.microseconds
            let s = Store(directory: directory, readOnly: false, report: report, options: options, state: recovered.value.state,
                          wal: recovered.value.wal, lockHandle: lockHandle)
            store = s
            try await s.ensureConfig()
            return s
        } catch {
            if let store { try? await store.close() } else { try? io.close(lockHandle) }
            throw Store.map(error)
        }
    }

    /// Opens the store without the lock and without writing anything: safe beside a running
    /// writer (backup, verify, export, stats). Sees the state as of the last complete log
    /// record at open time. `commit` and `checkpoint` throw `readOnly`.
    public static func openReadOnly(directory: String, options: StoreOptions = StoreOptions()) throws -> Store {
        try openReadOnly(directory: directory, options: options, preloaded: nil)
    }

    /// `openReadOnly`, starting from `preloaded` (a snapshot of `directory` already read and
    /// checked) when recovery chooses it; only the first attempt uses it (replay changes its state).
    static func openReadOnly(directory: String, options: StoreOptions, preloaded: SnapshotReader.Loaded?) throws -> Store {
        try options.validate()
        var preloaded = preloaded
        let started = Timestamp.now()
        guard options.io.isDirectory(directory) else {
            throw AegisError(.notFound, "data directory \(directory) does not exist", location: .init(file: directory))
        }
        var lastError: (any Error)?
        // A checkpoint of the running writer may remove a snapshot between listing and reading it.
        for _ in 0..<3 {
            do {
                var report = StoreOpenReport()
                let recovery = Recovery(io: options.io, directory: directory, options: options, preloaded: preloaded)
                preloaded = nil
                let recovered = try recovery.run(writer: false, report: &report)
                report.durationMicros = Timestamp.now().microseconds - started.microseconds
                let s = Store(directory: directory, readOnly: true, report: report, options: options, state: recovered.state,
                              wal: nil, lockHandle: nil)
                if let model = options.embeddingModel, let dim = options.dimension { try s.checkConfig(model: model, dimension: dim) }
                return s
            } catch {
                lastError = error
                if let e = error as? AegisError, e.code == .unsupportedVersion || e.code == .mismatch { break }
            }
        }
        throw Store.map(lastError!)
    }

    /// Records the configured model in a new store; refuses a different one.
    func ensureConfig() async throws {
        guard let model = options.embeddingModel, let dim = options.dimension else { return }
        let unset = read { $0.embeddingModel == nil && $0.dimension == 0 }
        if unset {
            try await commit([.config(embeddingModel: model, dimension: dim)])
        } else {
            try checkConfig(model: model, dimension: dim)
        }
    }

    func checkConfig(model: String, dimension: Int) throws {
        let (m, d) = read { ($0.embeddingModel, $0.dimension) }
        guard m == model, d == dimension else {
            throw AegisError(.mismatch, "store \(directory) holds embeddings of model \(m ?? "(none)") with dimension \(d); this server is configured for \(model) with dimension \(dimension) (re-embed or use the same model)")
        }
    }

    /// Removes `*.tmp` files of the data directory and `snapshots/`; returns their names.
    static func removeDebris(io: any FileIO, directory: String) throws -> [String] {
        var removed: [String] = []
        for dir in [directory, IOPath.join(directory, StorageFormat.snapshotDirectory)] where io.isDirectory(dir) {
            var any = false
            for name in try io.listDirectory(dir) where name.hasSuffix(StorageFormat.tempSuffix) {
                try io.unlink(IOPath.join(dir, name))
                removed.append(dir == directory ? name : StorageFormat.snapshotDirectory + "/" + name)
                any = true
            }
            if any { try io.fsyncDirectory(dir) }
        }
        return removed
    }
}
