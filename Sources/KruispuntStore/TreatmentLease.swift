import Dispatch
import Synchronization

/// Which of several Kruispunt processes on one database runs the continuous treatment: the one
/// holding a session-level advisory lock on a connection of its own. PostgreSQL releases the lock
/// the moment that connection ends (the process killed, or its host gone once the server's TCP
/// keepalives give up, after about 25 s), and another process takes it at its next attempt.
///
/// The lease decides who works, never what is counted: every treatment run is still one
/// transaction that takes the staging lock and moves the checkpoint, so a run cut short by a
/// kill is rolled back and the next holder starts from the last committed checkpoint.
public final class TreatmentLease: Sendable {
    /// The advisory lock's two keys (`pg_try_advisory_lock(7401, 1)`; in `pg_locks`: classid
    /// 7401, objid 1, objsubid 2).
    public static let keys = (7401, 1)
    /// The SQL condition on `pg_locks` (alias `l`) that picks the lease.
    public static let lockCondition = "l.locktype = 'advisory' AND l.classid = 7401 AND l.objid = 1 AND l.objsubid = 2 AND l.granted"
    /// Who holds the lease now: its `application_name` (`kruispunt-lease:NAME`), or nil.
    public static let holderQuery = """
        SELECT substr(a.application_name, 17) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE \(lockCondition) LIMIT 1
        """

    private let conninfo: String
    /// This process's name for operators (`KRUISPUNT_INSTANCE`, by default host and process id).
    public let holderName: String
    /// The lease's connection, and whether the last attempt took the lock.
    private let state = Mutex<(connection: Connection?, holds: Bool)>((nil, false))

    public init(conninfo: String, holderName: String) {
        self.conninfo = conninfo
        self.holderName = holderName
    }

    /// Whether this process holds the lease, taking it when it is free; nil when the database
    /// could not be asked (away, or the connection broke), which counts as not held and drops the
    /// connection, so a lock lost with its connection is never taken for held.
    public func acquire() -> Bool? {
        state.withLock { state in
            do {
                let db = try state.connection ?? open()
                state.connection = db
                // Asked first, because a session lock taken twice must be released twice.
                let rows = try db.query("""
                    SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_locks l WHERE \(Self.lockCondition) AND l.pid = pg_backend_pid())
                                THEN true ELSE pg_try_advisory_lock(\(Self.keys.0), \(Self.keys.1)) END
                    """)
                state.holds = rows.first?.first == "t"
            } catch {
                state = (nil, false)
                return nil
            }
            return state.holds
        }
    }

    /// `acquire()` on a dispatch queue: libpq blocks (a connect to an unreachable host waits for
    /// its timeout), which must not hold one of Swift's few cooperative threads.
    public func acquireOffThreadPool() async -> Bool? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.acquire()) }
        }
    }

    /// Whether this process held the lease at its last attempt and its connection still stands.
    public var isHeld: Bool { state.withLock { $0.holds && ($0.connection?.isHealthy ?? false) } }

    /// Gives the lease up (at shutdown): the lock released and the connection closed.
    public func release() {
        state.withLock { state in
            _ = try? state.connection?.query("SELECT pg_advisory_unlock_all()")
            state = (nil, false)
        }
    }

    private func open() throws -> Connection {
        let db = try Connection(conninfo: conninfo)
        // Named for `holderQuery`; over TCP the server probes a silent client after 10 s, every 5 s,
        // three times, so a vanished host frees the lease within about 25 s.
        try db.query("""
            SELECT set_config('application_name', $1, false), set_config('tcp_keepalives_idle', '10', false),
                   set_config('tcp_keepalives_interval', '5', false), set_config('tcp_keepalives_count', '3', false)
            """, ["kruispunt-lease:" + holderName])
        return db
    }
}
