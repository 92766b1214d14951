#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader-writer lock (pthread) for the vector spaces: many concurrent searches, one mutator.
/// Writer-preferring on Linux: with searches arriving back to back, glibc's default (reader
/// preference) lets a waiting index update — and the thread it occupies — starve until the
/// readers happen to pause. Never take the read lock recursively (a waiting writer would
/// deadlock it).
final class RWLock: @unchecked Sendable {
    private var lock = pthread_rwlock_t()
    init() {
        #if canImport(Glibc)
        var attr = pthread_rwlockattr_t()
        pthread_rwlockattr_init(&attr)
        pthread_rwlockattr_setkind_np(&attr, Int32(PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP))
        pthread_rwlock_init(&lock, &attr)
        pthread_rwlockattr_destroy(&attr)
        #else
        pthread_rwlock_init(&lock, nil)
        #endif
    }
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

/// One `AsyncLock` per key (project, content hash), created on demand and dropped when its
/// last user leaves (no growth with the number of distinct keys ever locked).
final class KeyedLocks: Sendable {
    private struct Entry { let lock: AsyncLock; var users: Int }
    private let entries = Locked<[String: Entry]>([:])

    private func acquire(_ key: String) -> AsyncLock {
        entries.withLock { d in
            if var e = d[key] { e.users += 1; d[key] = e; return e.lock }
            let l = AsyncLock()
            d[key] = Entry(lock: l, users: 1)
            return l
        }
    }

    private func release(_ key: String) {
        entries.withLock { d in
            guard var e = d[key] else { return }
            e.users -= 1
            if e.users == 0 { d[key] = nil } else { d[key] = e }
        }
    }

    var count: Int { entries.withLock { $0.count } }

    /// Holds the locks of all `keys` (taken in sorted order: no deadlock) while `body` runs.
    func withLocks<T: Sendable>(_ keys: [String], _ body: () async throws -> T) async throws -> T {
        let sorted = Array(Set(keys)).sorted()
        let locks = sorted.map { acquire($0) }
        for l in locks { await l.lock() }
        func releaseAll() async {
            for (k, l) in zip(sorted, locks).reversed() { await l.unlock(); release(k) }
        }
        do {
            let v = try await body()
            await releaseAll()
            return v
        } catch {
            await releaseAll()
            throw error
        }
    }

    func withLock<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        try await withLocks([key], body)
    }
}
