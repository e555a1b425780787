import Foundation
import KruispuntStore
import Testing

/// The request pool against a real PostgreSQL: beyond its waiting line it refuses at once.
extension EmbeddedStoreTests {
    @Test func poolRefusesBeyondItsWaitingLineInsteadOfQueueing() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-pool-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cluster = try EmbeddedCluster(dataDirectory: dir, logger: Self.logger)
        try cluster.start()
        defer { cluster.stop() }
        let pool = ConnectionPool(conninfo: cluster.conninfo, size: 1, maxWaiting: 1)
        /// Waits (up to 30 s) until `n` callers hold or wait for a connection.
        func until(_ n: Int) async throws {
            for _ in 0..<3_000 where pool.callers < n { try await Task.sleep(for: .milliseconds(10)) }
            #expect(pool.callers == n)
        }
        // The first caller keeps its connection until the test lets it go.
        let release = DispatchSemaphore(value: 0)
        async let busy = pool.withConnection { db in try db.execute("SELECT 1"); release.wait(); return 1 }
        try await until(1)
        async let waiting = pool.withConnection { db in Int(try db.query("SELECT 2")[0][0] ?? "0") ?? 0 }
        try await until(2)
        await #expect(throws: PoolOverloaded.self) { try await pool.withConnection { _ in 3 } }
        release.signal()
        let (first, second) = try await (busy, waiting)
        #expect(first == 1 && second == 2)
        #expect(try await pool.withConnection { _ in 4 } == 4)
    }
}
