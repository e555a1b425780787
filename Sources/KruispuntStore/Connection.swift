import Foundation
import CLibpq
import Synchronization

/// One libpq connection. libpq connections are not thread-safe: every call goes through a lock.
/// Values travel as text (PostgreSQL's text format); `nil` is SQL NULL.
///
/// ```swift
/// let db = try Connection(conninfo: "host=/tmp port=5432 dbname=postgres")
/// let rows = try db.query("SELECT count(*) FROM quads")
/// ```
public final class Connection: @unchecked Sendable {
    private let conn: OpaquePointer
    private let lock = Mutex<Void>(())
    /// What `cancelRunningStatement` sends: made once, so that another thread can use it while a
    /// statement holds the connection's lock.
    private let canceller: OpaquePointer?
    /// Terms by id read through this connection, shared with the other connections of its pool
    /// (one database): never with another database's connections.
    public let terms: TermCache

    /// Opens a connection; `terms` is the cache of its pool (a lone connection gets its own).
    public init(conninfo: String, terms: TermCache = TermCache(capacity: 500_000)) throws {
        self.terms = terms
        guard let c = PQconnectdb(conninfo) else { throw StoreError("libpq: out of memory") }
        guard PQstatus(c) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(c)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(c)
            throw StoreError("cannot connect to PostgreSQL: \(message)", unavailable: true)
        }
        conn = c
        canceller = PQgetCancel(c)
        // Quiet NOTICE messages (e.g. "relation already exists, skipping").
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        // A statement whose client died (a process killed mid-run) stops within a second instead
        // of running to its end, so its locks (the staging lock of a treatment run) go with it.
        if let result = PQexec(conn, "SET client_connection_check_interval = 1000") { PQclear(result) }
    }

    deinit {
        if let canceller { PQfreeCancel(canceller) }
        PQfinish(conn)
    }

    /// Asks the server to cancel the statement running on this connection, from any thread (the
    /// statement then fails with SQLSTATE 57014 and its transaction rolls back). Returns whether
    /// the request was sent; a connection with nothing running ignores it.
    @discardableResult
    public func cancelRunningStatement() -> Bool {
        guard let canceller else { return false }
        var message = [CChar](repeating: 0, count: 256)
        return PQcancel(canceller, &message, Int32(message.count)) == 1
    }

    private let identity = Mutex<String?>(nil)

    /// Which database this is, for caches shared by connections: when its server started
    /// (microseconds) and the database's oid (a database dropped and created again differs).
    /// Needs no privilege.
    public func databaseIdentity() throws -> String {
        if let known = identity.withLock({ $0 }) { return known }
        let row = try query("""
            SELECT pg_postmaster_start_time()::text || '/' ||
                   (SELECT oid FROM pg_database WHERE datname = current_database())::text
            """)[0]
        let id = row[0] ?? ""
        identity.withLock { $0 = id }
        return id
    }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { lock.withLock { _ in PQstatus(conn) == CONNECTION_OK } }

    /// Whether the server is still at the other end of an idle connection: reads what it sent
    /// without waiting (a server shut down sends its goodbye and closes), so a pool never hands
    /// out a connection that died while idle. A poll without waiting, and a read when there is
    /// something to read.
    public var isAlive: Bool {
        lock.withLock { _ in
            // An idle connection has nothing to read unless the server spoke (its goodbye, then
            // the end of the stream): read until there is nothing more or the end shows.
            for _ in 0..<8 {
                guard PQstatus(conn) == CONNECTION_OK else { return false }
                var poller = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 0) > 0 else { return true }
                guard PQconsumeInput(conn) == 1 else { return false }
            }
            return PQstatus(conn) == CONNECTION_OK
        }
    }

    /// Runs one statement (with `$1`... parameters) and returns its rows. A `prepared` statement
    /// is parsed (and, after a few runs, planned) once per connection: for the hot queries of
    /// pages, whose planning over many load tables costs more than running them. With
    /// `parameterTypes` (type OIDs) every parameter is declared, so a statement may leave some
    /// unused, and the planner sees typed constants.
    @discardableResult
    public func query(_ sql: String, _ params: [String?] = [], prepared: Bool = false, parameterTypes: [UInt32]? = nil) throws -> [[String?]] {
        try lock.withLock { _ in
            let result = try run(sql, params, prepared: prepared, parameterTypes: parameterTypes)
            defer { PQclear(result) }
            let rows = Int(PQntuples(result)), cols = Int(PQnfields(result))
            var out: [[String?]] = []
            out.reserveCapacity(rows)
            for r in 0..<rows {
                var row: [String?] = []
                row.reserveCapacity(cols)
                for c in 0..<cols {
                    if PQgetisnull(result, Int32(r), Int32(c)) != 0 { row.append(nil); continue }
                    let len = Int(PQgetlength(result, Int32(r), Int32(c)))
                    let ptr = PQgetvalue(result, Int32(r), Int32(c))!
                    row.append(ptr.withMemoryRebound(to: UInt8.self, capacity: len) {
                        String(decoding: UnsafeBufferPointer(start: $0, count: len), as: UTF8.self)
                    })
                }
                out.append(row)
            }
            return out
        }
    }

    /// The values of a statement whose columns are all non-null integers, row after row, read
    /// without a string per value.
    public func int64Rows(_ sql: String, _ params: [String?] = [], prepared: Bool = false) throws -> [Int64] {
        try lock.withLock { _ in
            let result = try run(sql, params, prepared: prepared)
            defer { PQclear(result) }
            let rows = Int(PQntuples(result)), cols = Int(PQnfields(result))
            var out: [Int64] = []
            out.reserveCapacity(rows * cols)
            for r in 0..<rows {
                for c in 0..<cols {
                    let len = Int(PQgetlength(result, Int32(r), Int32(c)))
                    let value = PQgetvalue(result, Int32(r), Int32(c))!.withMemoryRebound(to: UInt8.self, capacity: len) {
                        Self.int64(UnsafeBufferPointer(start: $0, count: len))
                    }
                    guard let value, PQgetisnull(result, Int32(r), Int32(c)) == 0 else {
                        throw StoreError("not an integer in row \(r + 1), column \(c + 1)")
                    }
                    out.append(value)
                }
            }
            return out
        }
    }

    /// A decimal integer in PostgreSQL's text output.
    private static func int64(_ bytes: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0, negative = false
        if bytes.first == UInt8(ascii: "-") { negative = true; i = 1 }
        guard i < bytes.count else { return nil }
        var magnitude: UInt64 = 0
        while i < bytes.count {
            let d = bytes[i] &- 48
            guard d < 10 else { return nil }
            let (times, o1) = magnitude.multipliedReportingOverflow(by: 10)
            let (next, o2) = times.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            magnitude = next
            i += 1
        }
        if negative { return magnitude <= UInt64(Int64.max) + 1 ? Int64(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int64.max) ? Int64(magnitude) : nil
    }

    /// Runs one or more statements without parameters or results (DDL, BEGIN, ...).
    public func execute(_ sql: String) throws {
        try lock.withLock { _ in
            guard let result = PQexec(conn, sql) else { throw connectionError(lastError) }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
                throw error(result)
            }
        }
    }

    /// Waits up to `timeout` seconds for notifications on the channels this connection LISTENs
    /// to, and returns their payloads in order (empty after the timeout). Throws when the
    /// connection is lost.
    public func notifications(timeout: Double) throws -> [(channel: String, payload: String)] {
        func drain() throws -> [(channel: String, payload: String)] {
            guard PQconsumeInput(conn) == 1 else { throw connectionError(lastError) }
            var out: [(channel: String, payload: String)] = []
            while let n = PQnotifies(conn) {
                out.append((String(cString: n.pointee.relname), String(cString: n.pointee.extra)))
                PQfreemem(n)
            }
            return out
        }
        let ready = try lock.withLock { _ in try drain() }
        if !ready.isEmpty { return ready }
        let socket = PQsocket(conn)
        guard socket >= 0 else { throw StoreError("the connection to PostgreSQL is closed") }
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let waited = poll(&poller, 1, Int32(max(0, timeout) * 1000))
        if waited < 0 && errno != EINTR { throw StoreError("waiting for notifications: errno \(errno)") }
        return try lock.withLock { _ in try drain() }
    }

    /// The number of rows a statement affected (INSERT, UPDATE, DELETE).
    public func update(_ sql: String, _ params: [String?] = []) throws -> Int {
        try lock.withLock { _ in
            let result = try run(sql, params)
            defer { PQclear(result) }
            return Int(String(cString: PQcmdTuples(result))) ?? 0
        }
    }

    /// Streams data into `COPY ... FROM STDIN` (text format). `produce` is called with a writer
    /// until it returns; each call to the writer sends one chunk.
    public func copyIn(_ sql: String, _ produce: (_ send: (String) throws -> Void) throws -> Void) throws {
        try copyIn(sql) { (put: (UnsafeBufferPointer<UInt8>) throws -> Void) in
            try withoutActuallyEscaping(put) { put in
                try produce { chunk in
                    var chunk = chunk
                    try chunk.withUTF8(put)
                }
            }
        }
    }

    /// Streams bytes into `COPY ... FROM STDIN` in any format (`CopyBinary` writes the binary one).
    public func copyIn(_ sql: String, bytes produce: (_ send: ([UInt8]) throws -> Void) throws -> Void) throws {
        try copyIn(sql) { (put: (UnsafeBufferPointer<UInt8>) throws -> Void) in
            try withoutActuallyEscaping(put) { put in
                try produce { chunk in try chunk.withUnsafeBufferPointer(put) }
            }
        }
    }

    private func copyIn(_ sql: String, _ produce: (_ put: (UnsafeBufferPointer<UInt8>) throws -> Void) throws -> Void) throws {
        try lock.withLock { _ in
            guard let start = PQexec(conn, sql) else { throw connectionError(lastError) }
            let status = PQresultStatus(start)
            let startError = status == PGRES_COPY_IN ? nil : errorMessage(start)
            PQclear(start)
            if let startError { throw connectionError(startError) }
            var failure: (any Error)?
            do {
                try produce { buf in
                    let sent = buf.withMemoryRebound(to: CChar.self) {
                        PQputCopyData(conn, $0.baseAddress, Int32($0.count))
                    }
                    if sent != 1 { throw connectionError("COPY: \(lastError)") }
                }
            } catch { failure = error }
            PQputCopyEnd(conn, failure == nil ? nil : "aborted by the client")
            let copyError = drainResults()
            if let failure { throw failure }
            if let copyError { throw copyError }
        }
    }

    /// Streams the rows of `COPY ... TO STDOUT` (text format), one line (without newline) per call.
    public func copyOut(_ sql: String, _ row: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try lock.withLock { _ in
            guard let start = PQexec(conn, sql) else { throw connectionError(lastError) }
            let status = PQresultStatus(start)
            let startError = status == PGRES_COPY_OUT ? nil : errorMessage(start)
            PQclear(start)
            if let startError { throw connectionError(startError) }
            var failure: (any Error)?
            while true {
                var buffer: UnsafeMutablePointer<CChar>?
                let n = PQgetCopyData(conn, &buffer, 0)
                if n == -1 { break }
                if n == -2 { failure = failure ?? connectionError("COPY: \(lastError)"); break }
                guard let buffer else { continue }
                if failure == nil {
                    var len = Int(n)
                    buffer.withMemoryRebound(to: UInt8.self, capacity: len) { p in
                        if len > 0, p[len - 1] == 10 { len -= 1 }
                        do { try row(UnsafeBufferPointer(start: p, count: len)) } catch { failure = error }
                    }
                }
                PQfreemem(buffer)
            }
            let copyError = drainResults()
            if let failure { throw failure }
            if let copyError { throw copyError }
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    // MARK: - Private (call with the lock held)

    /// Names of the statements prepared on this connection, by SQL text.
    private var statements: [String: String] = [:]

    private func run(_ sql: String, _ params: [String?], prepared: Bool = false, parameterTypes: [UInt32]? = nil) throws -> OpaquePointer {
        var name: String?
        if prepared {
            name = statements[sql]
            if name == nil {
                let fresh = "kp\(statements.count + 1)"
                guard let made = PQprepare(conn, fresh, sql, Int32(params.count), nil) else { throw connectionError(lastError) }
                defer { PQclear(made) }
                guard PQresultStatus(made) == PGRES_COMMAND_OK else { throw error(made) }
                statements[sql] = fresh
                name = fresh
            }
        }
        let result: OpaquePointer? = withCStrings(params) { values in
            if let name { return PQexecPrepared(conn, name, Int32(params.count), values, nil, nil, 0) }
            guard let parameterTypes else { return PQexecParams(conn, sql, Int32(params.count), nil, values, nil, nil, 0) }
            return PQexecParams(conn, sql, Int32(params.count), parameterTypes.map { Oid($0) }, values, nil, nil, 0)
        }
        guard let result else { throw connectionError(lastError) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else {
            let failure = error(result)
            PQclear(result)
            throw failure
        }
        return result
    }

    /// Reads the results that end a COPY; returns the first error.
    private func drainResults() -> StoreError? {
        var copyError: StoreError?
        while let result = PQgetResult(conn) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, copyError == nil { copyError = error(result) }
            PQclear(result)
        }
        return copyError
    }

    /// The error a result carries, with its SQLSTATE.
    private func error(_ result: OpaquePointer) -> StoreError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        return StoreError(errorMessage(result), sqlState: state, unavailable: PQstatus(conn) == CONNECTION_BAD)
    }

    /// An error of this connection, marked unavailable when the connection broke with it.
    private func connectionError(_ message: String) -> StoreError {
        StoreError(message, unavailable: PQstatus(conn) == CONNECTION_BAD)
    }

    private var lastError: String { String(cString: PQerrorMessage(conn)).trimmingCharacters(in: .whitespacesAndNewlines) }

    private func errorMessage(_ result: OpaquePointer) -> String {
        let m = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
        return m.isEmpty ? lastError : m
    }
}

private func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
    defer { for p in pointers { free(p) } }
    return body(pointers.map { $0.map { UnsafePointer($0) } })
}
