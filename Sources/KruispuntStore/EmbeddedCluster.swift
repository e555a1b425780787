import Foundation
import Logging
import Synchronization

/// A private PostgreSQL cluster in a data folder Kruispunt owns, listening on a Unix socket only.
///
/// Created with Debian's PostgreSQL binaries on first use, reused afterwards. When the process runs
/// as root the cluster runs as the `postgres` system user (initdb refuses root). A cluster started
/// by this process is stopped by `stop()`; one that was already running (another `kruispunt`
/// process on the same folder) is reused and left running.
public final class EmbeddedCluster: @unchecked Sendable {
    public let dataDirectory: URL
    public let clusterDirectory: URL
    public let socketDirectory: String
    public let port = 5432
    public let databaseName = "kruispunt"
    private let binDirectory: String
    private let runAsPostgres: Bool
    private let logger: Logger
    private let startedHere = Mutex(false)

    /// Prepares (but does not start) the cluster under `dataDirectory`/pg.
    public init(dataDirectory: URL, logger: Logger) throws {
        self.dataDirectory = dataDirectory.standardizedFileURL
        self.clusterDirectory = self.dataDirectory.appendingPathComponent("pg")
        self.logger = logger
        self.binDirectory = try Self.findBinaries()
        self.runAsPostgres = geteuid() == 0
        // A Unix socket path is limited to 107 bytes: fall back to a short folder in /tmp.
        let preferred = self.dataDirectory.appendingPathComponent("run").path
        if preferred.utf8.count + 16 < 100 {
            socketDirectory = preferred
        } else {
            var hash: UInt64 = 1469598103934665603
            for b in preferred.utf8 { hash = (hash ^ UInt64(b)) &* 1099511628211 }
            socketDirectory = "/tmp/kruispunt-" + String(hash, radix: 36)
        }
    }

    /// Names this process's connections, so that `stop()` can tell them from other processes'.
    private var applicationName: String { "kruispunt-\(getpid())" }

    /// The libpq connection string for the cluster's database. Kruispunt's own sessions are not
    /// audited by pgaudit: they are in the access log already.
    public var conninfo: String {
        "host='\(Self.quoted(socketDirectory))' port=\(port) user=postgres dbname=\(databaseName) application_name=\(applicationName) options='\(DatabaseAudit.platformOptions)'"
    }

    /// Debian's pgaudit library, when installed: the cluster then audits direct sessions.
    private var auditAvailable: Bool {
        FileManager.default.fileExists(atPath: URL(fileURLWithPath: binDirectory).deletingLastPathComponent()
            .appendingPathComponent("lib/pgaudit.so").path)
    }

    /// The server log pgaudit writes to, when the cluster audits (see `DatabaseAudit`).
    public var auditLogFile: URL? {
        guard auditAvailable, let conf = try? String(contentsOf: clusterDirectory.appendingPathComponent("postgresql.conf"), encoding: .utf8),
              conf.contains("shared_preload_libraries = 'pgaudit'") else { return nil }
        return dataDirectory.appendingPathComponent("postgresql.log")
    }

    /// Adds the audit settings to a cluster that lacks them (before it starts).
    private func enableAudit() throws {
        let path = clusterDirectory.appendingPathComponent("postgresql.conf").path
        guard auditAvailable, let conf = try? String(contentsOfFile: path, encoding: .utf8), !conf.contains("pgaudit") else { return }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(("\n" + DatabaseAudit.settings + "\n").utf8))
        try handle.close()
        logger.info("the embedded PostgreSQL cluster audits direct sessions (pgaudit)")
    }

    /// Creates the cluster when needed and starts it unless it is already running.
    public func start() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        try fm.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)
        if runAsPostgres {
            try makeReachableByPostgres(dataDirectory.path)
            try run("/bin/chown", ["postgres:postgres", socketDirectory], asPostgres: false)
        }
        if !fm.fileExists(atPath: clusterDirectory.appendingPathComponent("PG_VERSION").path) {
            try initialize()
        }
        // A cluster another process is stopping still looks running until its pid file goes:
        // when the connection fails, wait for the stop to finish and start it again.
        for attempt in 0..<3 {
            if try isRunning() {
                logger.debug("reusing the running PostgreSQL cluster", metadata: ["dir": "\(clusterDirectory.path)"])
            } else {
                try enableAudit()
                let log = dataDirectory.appendingPathComponent("postgresql.log").path
                if !fm.fileExists(atPath: log) {
                    _ = fm.createFile(atPath: log, contents: nil)
                    if runAsPostgres { try run("/bin/chown", ["postgres:postgres", log], asPostgres: false) }
                }
                let options = "-p \(port) -k '\(socketDirectory.replacingOccurrences(of: "'", with: "'\\''"))' -c listen_addresses='' -c unix_socket_permissions=0700"
                do {
                    // The server inherits pg_ctl's output: send it to a file, never to a pipe we wait on.
                    try run(binDirectory + "/pg_ctl", ["-D", clusterDirectory.path, "-l", log, "-o", options, "-w", "-t", "60", "start"],
                            outputFile: log)
                    startedHere.withLock { $0 = true }
                    logger.info("started the embedded PostgreSQL cluster", metadata: ["dir": "\(clusterDirectory.path)"])
                } catch {
                    // Another process may have started it at the same moment.
                    guard try isRunning() else { throw StoreError("cannot start PostgreSQL (see \(log)): \(error)") }
                }
            }
            do {
                try createDatabaseIfNeeded()
                return
            } catch where attempt < 2 {
                logger.notice("the embedded PostgreSQL cluster is stopping: waiting to start it again", metadata: ["error": "\(error)"])
                var waited = 0
                while waited < 150, try isRunning() { usleep(200_000); waited += 1 }
            }
        }
    }

    /// Stops the cluster if this process started it (fast shutdown: open transactions roll back).
    public func stop() {
        // Exactly one caller stops it (a signal handler may race the normal exit).
        guard startedHere.withLock({ started in defer { started = false }; return started }) else { return }
        // Another kruispunt process (say `serve`) may have attached since: leave it running then.
        if let admin = try? Connection(conninfo: conninfo),
           let others = try? admin.query("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name <> '\(applicationName)'"),
           let n = others.first?[0].flatMap(Int.init), n > 0 {
            logger.notice("leaving the embedded PostgreSQL cluster running: \(n) other connection(s) use it")
            return
        }
        do {
            try run(binDirectory + "/pg_ctl", ["-D", clusterDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"])
            logger.info("stopped the embedded PostgreSQL cluster")
        } catch {
            logger.error("could not stop PostgreSQL: \(error)")
        }
    }

    // MARK: - Private

    private func initialize() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: clusterDirectory, withIntermediateDirectories: true)
        if runAsPostgres { try run("/bin/chown", ["postgres:postgres", clusterDirectory.path], asPostgres: false) }
        try run("/bin/chmod", ["700", clusterDirectory.path], asPostgres: runAsPostgres)
        logger.info("creating the embedded PostgreSQL cluster", metadata: ["dir": "\(clusterDirectory.path)"])
        try run(binDirectory + "/initdb", ["-D", clusterDirectory.path, "-U", "postgres", "--auth=trust",
                                           "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"])
        // Settings for a write-heavy local store (still crash-safe: fsync stays on).
        let conf = """

            # Kruispunt embedded cluster
            shared_buffers = 1GB
            work_mem = 128MB
            maintenance_work_mem = 1GB
            max_wal_size = 2GB
            # A load table created, filled and indexed in one transaction skips the WAL (its files
            # are synced at commit): bulk loads write their data once. No replication from here.
            wal_level = minimal
            max_wal_senders = 0
            synchronous_commit = off
            timezone = 'UTC'
            log_timezone = 'UTC'

            """
        let path = clusterDirectory.appendingPathComponent("postgresql.conf").path
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(conf.utf8))
        try handle.close()
    }

    private func isRunning() throws -> Bool {
        (try? run(binDirectory + "/pg_ctl", ["-D", clusterDirectory.path, "status"], quiet: true)) != nil
    }

    private func createDatabaseIfNeeded() throws {
        let admin = try Connection(conninfo: "host='\(Self.quoted(socketDirectory))' port=\(port) user=postgres dbname=postgres options='\(DatabaseAudit.platformOptions)'")
        let exists = try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName])
        if exists.isEmpty {
            do { try admin.execute("CREATE DATABASE \(databaseName)") }
            catch { if try admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [databaseName]).isEmpty { throw error } }
        }
    }

    /// The postgres user must be able to traverse every folder above the data folder.
    private func makeReachableByPostgres(_ path: String) throws {
        var url = URL(fileURLWithPath: path)
        var folders: [String] = []
        while url.path != "/" {
            folders.append(url.path)
            url.deleteLastPathComponent()
        }
        for folder in folders {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder)
            let mode = (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0
            if mode & 0o001 == 0 {
                logger.notice("allowing the postgres user to traverse \(folder) (o+x)")
                try FileManager.default.setAttributes([.posixPermissions: NSNumber(value: mode | 0o001)],
                                                      ofItemAtPath: folder)
            }
        }
    }

    @discardableResult
    private func run(_ tool: String, _ arguments: [String], asPostgres: Bool? = nil, quiet: Bool = false,
                     outputFile: String? = nil) throws -> String {
        let (path, args) = (asPostgres ?? runAsPostgres)
            ? ("/usr/sbin/runuser", ["-u", "postgres", "--", tool] + arguments)
            : (tool, arguments)
        let result = try ChildProcess.run(path, args, outputFile: outputFile)
        guard result.status == 0 else {
            if !quiet { logger.debug("\(tool) failed: \(result.output)") }
            let detail = outputFile.map { "see \($0)" } ?? result.output.trimmingCharacters(in: .whitespacesAndNewlines)
            throw StoreError("\((tool as NSString).lastPathComponent) failed (\(result.status)): \(detail)")
        }
        return result.output
    }

    /// A value inside single quotes of a libpq connection string.
    static func quoted(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
    }

    private static func findBinaries() throws -> String {
        if let dir = ProcessInfo.processInfo.environment["KRUISPUNT_PG_BIN"] { return dir }
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for v in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") {
            return "\(root)/\(v)/bin"
        }
        throw StoreError("PostgreSQL server binaries not found under \(root): run scripts/bootstrap (Debian package postgresql-15), or set KRUISPUNT_DATABASE_URL")
    }
}
