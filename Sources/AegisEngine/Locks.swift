#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader-writer lock (pthread) for the vector spaces: many concurrent searches, one mutator.
final class RWLock: @unchecked Sendable {
    private var lock = pthread_rwlock_t()
    init() { pthread_rwlock_init(&lock, nil) }
    deinit { pthread_rwlock_destroy(&lock) }
    func withReadLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_rdlock(&lock); defer { pthread_rwlock_unlock(&lock) }
        return try body()
    }
    func withWriteLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_rwlock_wrlock(&lock); defer { pthread_rwlock_unlock(&lock) }
        return try body()
    }
}

/// A small mutex for plain state.
final class Locked<State>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var state: State
    init(_ state: State) { self.state = state; pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func withLock<T>(_ body: (inout State) throws -> T) rethrows -> T {
        pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }
        return try body(&state)
    }
}

/// FIFO async mutex: serialises read-check-commit sequences (dedup, delta, votes, session and
/// feature changes) of one project without blocking a thread.
actor AsyncLock {
    private var locked = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func lock() async {
        if !locked { locked = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func unlock() {
        if waiters.isEmpty { locked = false } else { waiters.removeFirst().resume() }
    }
}

/// One `AsyncLock` per key (project).
final class KeyedLocks: Sendable {
    private let locks = Locked<[String: AsyncLock]>([:])
    func lock(for key: String) -> AsyncLock {
        locks.withLock { d in
            if let l = d[key] { return l }
            let l = AsyncLock(); d[key] = l; return l
        }
    }
    /// Holds the locks of all `keys` (taken in sorted order: no deadlock) while `body` runs.
    func withLocks<T: Sendable>(_ keys: [String], _ body: () async throws -> T) async throws -> T {
        let sorted = Array(Set(keys)).sorted()
        let locks = sorted.map { lock(for: $0) }
        for l in locks { await l.lock() }
        do {
            let v = try await body()
            for l in locks.reversed() { await l.unlock() }
            return v
        } catch {
            for l in locks.reversed() { await l.unlock() }
            throw error
        }
    }

    func withLock<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        let l = lock(for: key)
        await l.lock()
        do {
            let v = try await body()
            await l.unlock()
            return v
        } catch {
            await l.unlock()
            throw error
        }
    }
}
