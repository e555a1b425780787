import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore
import KruispuntTreatment
import Logging

/// The database side of a running `kruispunt` process: the embedded cluster (or an external
/// server), migrations applied, and a connection pool. `shutdown()` stops a cluster it started.
public final class Runtime: Sendable {
    public let configuration: Configuration
    public let logger: Logger
    public let pool: ConnectionPool
    /// Connections for long ingest transactions (uploads, drop folder), apart from the read pool
    /// so that uploads waiting on the staging lock never starve the pages and health checks.
    public let ingestPool: ConnectionPool
    public let conninfo: String
    /// The process's Prometheus metrics.
    public let metrics = ServerMetrics()
    /// The components' state, kept by `StatusService`.
    public let status = StatusMonitor()
    /// Connections to the read replica (`KRUISPUNT_READ_DATABASE_URL`), if one is configured.
    public let readPool: ConnectionPool?
    /// The right to run the continuous treatment among the processes on this database.
    public let lease: TreatmentLease
    private let cluster: EmbeddedCluster?

    /// The server log of the embedded cluster when it audits direct sessions (pgaudit), else nil.
    public var auditLogFile: URL? { cluster?.auditLogFile }
    /// The access log's head as this data folder saw it last (entries removed from the end).
    public var accessLogWitness: AccessLogWitness {
        AccessLogWitness(file: configuration.dataDirectory.appendingPathComponent("access-log.head"))
    }

    /// Starts (or reuses) the database and applies the migrations.
    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        if let url = configuration.databaseURL {
            cluster = nil
            conninfo = url
        } else {
            let cluster = try EmbeddedCluster(dataDirectory: configuration.dataDirectory, logger: logger)
            try cluster.start()
            self.cluster = cluster
            conninfo = cluster.conninfo
        }
        pool = ConnectionPool(conninfo: conninfo, size: configuration.databaseConnections,
                              maxWaiting: configuration.maxWaitingRequests)
        ingestPool = ConnectionPool(conninfo: conninfo, size: 2)
        lease = TreatmentLease(conninfo: conninfo, holderName: configuration.instanceName, staleSeconds: configuration.leaseStaleSeconds)
        readPool = configuration.readDatabaseURL.map {
            ConnectionPool(conninfo: $0, size: configuration.databaseConnections, maxWaiting: configuration.maxWaitingRequests)
        }
        do {
            try pool.withConnectionBlocking { db in
                let applied = try Migrations.apply(on: db)
                if !applied.isEmpty { logger.info("applied migrations \(applied.map(String.init).joined(separator: ", "))") }
            }
        } catch {
            cluster?.stop()
            throw error
        }
    }

    /// The base of every IRI: the store keeps the first one it was given, because its IRIs are
    /// stored absolute. An explicit base (flag or environment) that differs is refused; without
    /// one, the stored base wins over `fallback` (the address a server listens on, say).
    public func iriScheme(fallback: String) throws -> IRIScheme {
        let explicit = configuration.baseURL.map { IRIScheme(base: $0).base }
        let wanted = explicit ?? IRIScheme(base: fallback).base
        let stored = try pool.withConnectionBlocking { db in
            try StoreSettings.value("base_url", on: db) ?? StoreSettings.setIfAbsent("base_url", to: wanted, on: db)
        }
        if let explicit, explicit != stored {
            throw ConfigurationError("""
                this store's IRIs start with \(stored), but the base URL given is \(explicit). \
                Use --base-url \(stored) (or KRUISPUNT_BASE_URL), or start a new --data-dir.
                """)
        }
        if explicit == nil, stored != wanted {
            logger.notice("IRIs start with \(stored) (the store's base URL); set KRUISPUNT_BASE_URL to serve them under this address")
        }
        return IRIScheme(base: stored)
    }

    /// The JSON-LD contexts documents may refer to when they are imported: Kruispunt's own, at
    /// the store's base URL.
    public func jsonldContexts() throws -> [String: String] {
        [try iriScheme(fallback: "http://127.0.0.1:8080").base + JSONLDContext.path: JSONLDContext.document]
    }

    /// Runs a read of published data on the read replica when there is one, and on the primary
    /// when there is none or it cannot be reached (a replica lags by seconds at most, and a page
    /// served from the primary instead is never wrong, only fresher).
    public func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        guard let readPool else { return try await pool.withConnection(body) }
        do {
            return try await readPool.withConnection(body)
        } catch let error as StoreError where error.isDatabaseUnavailable {
            return try await pool.withConnection(body)
        }
    }

    /// A new connection of the caller's own (for long transactions such as ingest and treat).
    public func connect() throws -> Connection { try Connection(conninfo: conninfo) }

    /// The pseudonymiser for ingestion: the master secret from `KRUISPUNT_PSEUDONYM_SECRET` or
    /// the data folder's secret file, with the configured key rotation.
    public func pseudonymiser() throws -> Pseudonymiser {
        let secret = try Pseudonymiser.loadSecret(environment: ProcessInfo.processInfo.environment,
                                                  dataDirectory: configuration.dataDirectory)
        return Pseudonymiser(secret: secret, rotation: configuration.keyRotation)
    }

    /// The treatment, with the configured rules and every observation checked against
    /// `Shapes/observation.ttl` before it is published.
    public func treatment(iris: IRIScheme) throws -> Treatment {
        let file = configuration.resourcesDirectory.appendingPathComponent("Shapes/observation.ttl")
        let text = try String(contentsOf: file, encoding: .utf8)
        let shapes = try Raptor.shared.parse(text, syntax: .turtle, baseIRI: file.absoluteString).map(\.triple)
        return Treatment(parameters: configuration.treatment, iris: iris, validator: try SHACLValidator(shapes: shapes),
                         quality: configuration.quality, logger: logger)
    }

    /// Stops the embedded cluster if this process started it.
    public func shutdown() { cluster?.stop() }
}
