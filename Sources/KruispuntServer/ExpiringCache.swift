import Synchronization

/// Values read from the store, kept for `ttl` per key: the token, session, tenant and retention
/// lookups of every request ask the database at most that often. A failed read is not kept.
/// Past `capacity` keys the cache starts afresh.
final class ExpiringCache<Value: Sendable>: Sendable {
    private let entries = Mutex<[String: (value: Value, read: ContinuousClock.Instant)]>([:])
    let ttl: Duration
    let capacity: Int

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = ttl
        self.capacity = capacity
    }

    /// The kept value of `key`, or a fresh one from `load` (kept from now on).
    func value(_ key: String, load: () async throws -> Value) async rethrows -> Value {
        let now = ContinuousClock.now
        if let entry = entries.withLock({ $0[key] }), now - entry.read < ttl { return entry.value }
        let value = try await load()
        entries.withLock { e in
            if e.count >= capacity { e.removeAll() }
            e[key] = (value, now)
        }
        return value
    }

    /// Forgets a key at once.
    func forget(_ key: String) { _ = entries.withLock { $0.removeValue(forKey: key) } }
}
