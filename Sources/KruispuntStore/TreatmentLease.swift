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
///
/// A holder that hangs (stopped, or stuck in a run) keeps its connection and so the lock. The
/// holder therefore shows progress on the lease's connection (each attempt, and `beat()` during
/// a run), and a standby that sees no statement there for `staleSeconds` ends that connection
/// and the holder's run connection (`endHungHolder()`), then takes the lease.
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
    /// Seconds without a statement on the holder's lease connection after which a standby ends
    /// it as hung (0: never).
    public let staleSeconds: Double
    /// The lease's connection, whether the last attempt took the lock, and when the holder last
    /// showed progress on it.
    private let state = Mutex<(connection: Connection?, holds: Bool, beat: ContinuousClock.Instant)>((nil, false, .now))

    public init(conninfo: String, holderName: String, staleSeconds: Double = 0) {
        self.conninfo = conninfo
        self.holderName = holderName
        self.staleSeconds = staleSeconds
    }

    /// The `application_name` of the connection a holder runs the treatment on, so that a
    /// standby ending a hung holder ends its run too: it holds this process's name as a standby
    /// reads it from the lease connection (PostgreSQL keeps printable ASCII, 63 bytes in all).
    public var runApplicationName: String { "kruispunt-run:" + (shownName.withLock { $0 } ?? holderName) }
    /// The name as PostgreSQL shows it on the lease connection, read back when it opens.
    private let shownName = Mutex<String?>(nil)

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
                state.beat = .now
            } catch {
                state = (nil, false, .now)
                return nil
            }
            return state.holds
        }
    }

    /// Shows progress while holding the lease (a statement on its connection, at most every
    /// 5 s): call it between the steps of a long run.
    public func beat() {
        state.withLock { state in
            guard state.holds, let db = state.connection, ContinuousClock.now - state.beat >= .seconds(5) else { return }
            _ = try? db.query("SELECT 1")
            state.beat = .now
        }
    }

    /// When another process holds the lease and has run no statement on its lease connection
    /// for `staleSeconds`, ends that connection and the holder's run connection (its run rolls
    /// back), so the next `acquire()` can take the lease. Returns the hung holder's name.
    public func endHungHolder() -> String? {
        guard staleSeconds > 0 else { return nil }
        return state.withLock { state -> String? in
            guard !state.holds, let db = state.connection else { return nil }
            do {
                guard let row = try db.query("""
                    SELECT a.pid, substr(a.application_name, 17) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                    WHERE \(Self.lockCondition) AND a.pid <> pg_backend_pid()
                      AND a.query_start < now() - make_interval(secs => $1::float8)
                    """, [String(staleSeconds)]).first, let pid = row[0] else { return nil }
                let name = row[1] ?? ""
                _ = try db.query("""
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE pid = $1::int OR (application_name <> '' AND application_name = 'kruispunt-run:' || $2)
                    """, [pid, name])
                return name
            } catch {
                return nil
            }
        }
    }

    /// `acquire()` on a dispatch queue: libpq blocks (a connect to an unreachable host waits for
    /// its timeout), which must not hold one of Swift's few cooperative threads.
    public func acquireOffThreadPool() async -> Bool? { await offThreadPool(acquire) }

    /// Whether this process held the lease at its last attempt and its connection still stands.
    public var isHeld: Bool { state.withLock { $0.holds && ($0.connection?.isHealthy ?? false) } }

    /// `endHungHolder()` on a dispatch queue, like `acquireOffThreadPool()`.
    public func endHungHolderOffThreadPool() async -> String? { await offThreadPool(endHungHolder) }

    private func offThreadPool<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }

    /// Runs `body` with `db` named as this holder's run connection (`runApplicationName`), then
    /// gives the connection its name back.
    public func named<T>(_ db: Connection, _ body: () throws -> T) throws -> T {
        let before = try db.query("SELECT current_setting('application_name'), set_config('application_name', $1, false)",
                                  [runApplicationName]).first?.first ?? nil
        defer { _ = try? db.query("SELECT set_config('application_name', $1, false)", [before ?? ""]) }
        return try body()
    }

    /// Gives the lease up (at shutdown): the lock released and the connection closed.
    public func release() {
        state.withLock { state in
            _ = try? state.connection?.query("SELECT pg_advisory_unlock_all()")
            state = (nil, false, .now)
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
        let shown = try db.query("SELECT substr(application_name, 17) FROM pg_stat_activity WHERE pid = pg_backend_pid()")
        shownName.withLock { $0 = shown.first?.first ?? nil }
        return db
    }
}
