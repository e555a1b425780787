import Foundation
import KruispuntStore
import Testing

/// Against a real PostgreSQL that stops and starts again: the errors of a stopped server say the
/// database is unavailable, the pool hands out no connection that died while idle, and the
/// treatment lease is held by one process at a time and freed with its connection.
extension EmbeddedStoreTests {
    @Test func aRestartedServerLeavesNoDeadConnectionInThePool() async throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-outage-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cluster = try EmbeddedCluster(dataDirectory: dir, logger: Self.logger)
        try cluster.start()
        defer { cluster.stop() }
        let pool = ConnectionPool(conninfo: cluster.conninfo, size: 2)
        #expect(try await pool.withConnection { db in try db.query("SELECT 1")[0][0] } == "1")
        cluster.stop()
        do {
            _ = try await pool.withConnection { db in try db.query("SELECT 1") }
            Issue.record("a stopped server answered")
        } catch let error as StoreError {
            #expect(error.isDatabaseUnavailable, "\(error)")
        }
        try cluster.start()
        // The connection from before the stop is dead; the first request after the start works.
        #expect(try await pool.withConnection { db in try db.query("SELECT 2")[0][0] } == "2")
        #expect(!StoreError("syntax error", sqlState: "42601").isDatabaseUnavailable)
        #expect(StoreError("terminating connection due to administrator command", sqlState: "57P01").isDatabaseUnavailable)
    }

    @Test func theTreatmentLeaseHasOneHolderAndIsFreedWithItsConnection() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-lease-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cluster = try EmbeddedCluster(dataDirectory: dir, logger: Self.logger)
        try cluster.start()
        defer { cluster.stop() }
        let a = TreatmentLease(conninfo: cluster.conninfo, holderName: "a")
        let b = TreatmentLease(conninfo: cluster.conninfo, holderName: "b")
        defer { a.release(); b.release() }
        let observer = try Connection(conninfo: cluster.conninfo)
        #expect(a.acquire() == true && a.isHeld)
        #expect(a.acquire() == true)                       // asked again: still one lock, not two
        #expect(b.acquire() == false && !b.isHeld)
        #expect(try observer.query(TreatmentLease.holderQuery).first?.first == "a")
        a.release()
        #expect(!a.isHeld)
        #expect(b.acquire() == true)
        #expect(try observer.query(TreatmentLease.holderQuery).first?.first == "b")
        #expect(a.acquire() == false)
        // b's connection ends (its server process terminated): b holds nothing and knows it; the
        // lock went with the connection, so a takes it.
        try observer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'kruispunt-lease:b'")
        #expect(b.acquire() == nil && !b.isHeld)
        #expect(a.acquire() == true)
        #expect(b.acquire() == false)
    }

    @Test func aStandbyEndsAHolderThatShowsNoProgressAndItsRun() throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-hung-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cluster = try EmbeddedCluster(dataDirectory: dir, logger: Self.logger)
        try cluster.start()
        defer { cluster.stop() }
        let a = TreatmentLease(conninfo: cluster.conninfo, holderName: "a", staleSeconds: 2)
        let b = TreatmentLease(conninfo: cluster.conninfo, holderName: "b", staleSeconds: 2)
        defer { a.release(); b.release() }
        let run = try Connection(conninfo: cluster.conninfo)
        let bystander = try Connection(conninfo: cluster.conninfo)
        #expect(a.acquire() == true && b.acquire() == false)
        // a's run holds the run lock in an open transaction on a connection named for a.
        _ = try run.query("SELECT set_config('application_name', $1, false)", [a.runApplicationName])
        _ = try run.query("BEGIN")
        _ = try run.query("SELECT pg_advisory_xact_lock(7212003)")
        // A holder that keeps asking is never ended, however long it holds.
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 1)
            #expect(a.acquire() == true)
            #expect(b.endHungHolder() == nil)
        }
        // a stops showing progress: after 2 s, b ends a's lease and run connections (not the
        // bystander's) and takes the lease; a finds its connection gone and stands by.
        Thread.sleep(forTimeInterval: 2.5)
        #expect(b.endHungHolder() == "a")
        Thread.sleep(forTimeInterval: 0.2)
        #expect(b.acquire() == true)
        #expect(throws: StoreError.self) { try run.query("SELECT 1") }
        #expect(try bystander.query("SELECT 1")[0][0] == "1")
        #expect(a.acquire() == nil && a.acquire() == false)
        #expect(a.endHungHolder() == nil, "b has just taken the lease")
        // Without a threshold nobody is ended.
        let c = TreatmentLease(conninfo: cluster.conninfo, holderName: "c")
        defer { c.release() }
        Thread.sleep(forTimeInterval: 2.5)
        #expect(c.acquire() == false && c.endHungHolder() == nil)
        // A name longer than PostgreSQL keeps: the run connection's name still holds the name as
        // a standby reads it back from the lease connection.
        b.release()
        let long = TreatmentLease(conninfo: cluster.conninfo, holderName: String(repeating: "replica-é", count: 8))
        let run2 = try Connection(conninfo: cluster.conninfo)
        defer { long.release() }
        #expect(long.acquire() == true)
        let shown = try bystander.query(TreatmentLease.holderQuery).first?.first ?? nil
        #expect(shown != nil && long.runApplicationName == "kruispunt-run:" + (shown ?? ""))
        let named = try long.named(run2) { try run2.query("SELECT application_name FROM pg_stat_activity WHERE pid = pg_backend_pid()") }
        #expect(named.first?.first == long.runApplicationName)
        long.release()
    }
}
