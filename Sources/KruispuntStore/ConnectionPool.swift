import Dispatch
import Synchronization

/// A small pool of connections for concurrent callers (the HTTP server). libpq calls block, so
/// they run on a dedicated dispatch queue, never on Swift's cooperative threads. At most `size`
/// connections are open at once; further callers wait for one to be returned, at most
/// `maxWaiting` of them: beyond that `withConnection` refuses at once (`PoolOverloaded`, which
/// the server answers with 429), so that an overload never turns into a queue nobody leaves.
public final class ConnectionPool: Sendable {
    private let conninfo: String
    private let idle = Mutex<[Connection]>([])
    private let queue = DispatchQueue(label: "kruispunt.db", attributes: .concurrent)
    private let slots: DispatchSemaphore
    private let limit: Int
    private let maxWaiting: Int
    private let inFlight = Atomic<Int>(0)
    private let terms = TermCache(capacity: 500_000)

    public init(conninfo: String, size: Int = 8, maxWaiting: Int = 512) {
        self.conninfo = conninfo
        self.limit = size
        self.maxWaiting = maxWaiting
        self.slots = DispatchSemaphore(value: size)
    }

    /// Connections the pool may open.
    public var size: Int { limit }

    /// Callers holding or waiting for a connection through `withConnection` now.
    public var callers: Int { inFlight.load(ordering: .relaxed) }

    /// Runs `body` with a connection from the pool, off the cooperative thread pool; throws
    /// `PoolOverloaded` when `size` callers hold a connection and `maxWaiting` wait already.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        guard inFlight.add(1, ordering: .relaxed).newValue <= limit + maxWaiting else {
            inFlight.subtract(1, ordering: .relaxed)
            throw PoolOverloaded()
        }
        defer { inFlight.subtract(1, ordering: .relaxed) }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.withConnectionBlocking(body) })
            }
        }
    }

    /// Runs `body` with a connection from the pool on the calling thread.
    public func withConnectionBlocking<T>(_ body: (Connection) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        var reused = idle.withLock { $0.popLast() }
        // Idle connections whose server went away (stopped, restarted, failed over) are dropped.
        while let candidate = reused, !candidate.isAlive { reused = idle.withLock { $0.popLast() } }
        let connection = try reused ?? Connection(conninfo: conninfo, terms: terms)
        do {
            let value = try body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            // The server went away: the idle connections are as dead as this one (their state
            // shows only when used), so none is handed out after it comes back.
            if (error as? StoreError)?.isDatabaseUnavailable == true { idle.withLock { $0.removeAll() } }
            throw error
        }
    }

    private func release(_ connection: Connection) {
        guard connection.isHealthy else { return }
        idle.withLock { if $0.count < limit { $0.append(connection) } }
    }
}

/// Every connection is in use and the waiting line is full: try again shortly.
public struct PoolOverloaded: Error, Sendable, CustomStringConvertible {
    public var description: String { "the database connections are all busy and the waiting line is full" }
}
