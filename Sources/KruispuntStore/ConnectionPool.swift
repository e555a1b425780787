import Dispatch
import Synchronization

/// A small pool of connections for concurrent callers (the HTTP server). libpq calls block, so
/// they run on a dedicated dispatch queue, never on Swift's cooperative threads. At most `size`
/// connections are open at once; further callers wait for one to be returned.
public final class ConnectionPool: Sendable {
    private let conninfo: String
    private let idle = Mutex<[Connection]>([])
    private let queue = DispatchQueue(label: "kruispunt.db", attributes: .concurrent)
    private let slots: DispatchSemaphore
    private let limit: Int

    public init(conninfo: String, size: Int = 8) {
        self.conninfo = conninfo
        self.limit = size
        self.slots = DispatchSemaphore(value: size)
    }

    /// Runs `body` with a connection from the pool, off the cooperative thread pool.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.withConnectionBlocking(body) })
            }
        }
    }

    /// Runs `body` with a connection from the pool on the calling thread.
    public func withConnectionBlocking<T>(_ body: (Connection) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        let connection = try idle.withLock { $0.popLast() } ?? Connection(conninfo: conninfo)
        do {
            let value = try body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    private func release(_ connection: Connection) {
        guard connection.isHealthy else { return }
        idle.withLock { if $0.count < limit { $0.append(connection) } }
    }
}
