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
        async let busy = pool.withConnection { db in try db.execute("SELECT pg_sleep(1.5)"); return 1 }
        try await Task.sleep(for: .milliseconds(500))
        async let waiting = pool.withConnection { db in Int(try db.query("SELECT 2")[0][0] ?? "0") ?? 0 }
        try await Task.sleep(for: .milliseconds(200))
        await #expect(throws: PoolOverloaded.self) { try await pool.withConnection { _ in 3 } }
        let (first, second) = try await (busy, waiting)
        #expect(first == 1 && second == 2)
        #expect(try await pool.withConnection { _ in 4 } == 4)
    }
}
