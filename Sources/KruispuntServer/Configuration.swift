import Foundation
import KruispuntANPR
import KruispuntPublishing
import KruispuntTreatment
import Logging

/// Kruispunt's configuration: command-line flags first, then `KRUISPUNT_*` environment variables,
/// then defaults. One struct for every command.
public struct Configuration: Sendable {
    /// Folder for the embedded cluster and local state (`--data-dir`, `KRUISPUNT_DATA_DIR`).
    public var dataDirectory: URL
    /// Where the event stream dumps are written (`DATA_DIR/dumps`).
    public var dumpsDirectory: URL { dataDirectory.appendingPathComponent("dumps") }
    /// An external PostgreSQL (`--database-url`, `KRUISPUNT_DATABASE_URL`); nil starts the embedded cluster.
    public var databaseURL: String?
    /// A streaming replica for reads of published data (`KRUISPUNT_READ_DATABASE_URL`): streams,
    /// fragments, time series, the catalogue, dereferenced IRIs. Nil: everything on `databaseURL`.
    public var readDatabaseURL: String?
    /// The base of every IRI and link (`--base-url`, `KRUISPUNT_BASE_URL`); default `http://HOST:PORT`.
    public var baseURL: String?
    /// Small-count threshold k (`--min-count`, `KRUISPUNT_MIN_COUNT`), default 10.
    public var minimumCount: Int
    /// How long pseudonyms link detections (`--key-rotation`, `KRUISPUNT_KEY_ROTATION`), default day.
    public var keyRotation: KeyRotation
    /// Log level (`--log-level`, `KRUISPUNT_LOG_LEVEL`), default info.
    public var logLevel: Logger.Level
    /// Seconds between status checks (`KRUISPUNT_STATUS_INTERVAL`, default 5).
    public var statusIntervalSeconds: Double
    /// Free disk space (percent) under which the disk is degraded (`KRUISPUNT_DISK_MIN_FREE_PERCENT`, default 10).
    public var diskMinFreePercent: Double
    /// Where incidents are posted when opened and resolved (`KRUISPUNT_INCIDENT_WEBHOOK`).
    public var incidentWebhook: URL?
    /// Structured logs, one JSON object per line (`KRUISPUNT_LOG_FORMAT=json`; default `text`).
    public var jsonLogs: Bool
    /// Bearer tokens allowed to upload detections (`KRUISPUNT_INGEST_TOKENS`, comma-separated;
    /// none: uploads are refused). Never logged.
    public var ingestTokens: [String]
    /// Bearer tokens of operators (`KRUISPUNT_ADMIN_TOKENS`, comma-separated): quarantine API.
    public var adminTokens: [String]
    /// OpenID Connect bearer tokens (`KRUISPUNT_OIDC_*`), nil when not configured.
    public var oidc: OIDCSettings?
    /// Hours raw detections are kept after the treatment passed them (`KRUISPUNT_RETENTION_HOURS`), default 72.
    public var retentionHours: Double
    /// Days published observations stay in the event streams and the store
    /// (`KRUISPUNT_PUBLISHED_RETENTION_DAYS`); nil (unset): kept for ever.
    public var publishedRetentionDays: Int?
    /// Days the access log keeps its entries (`KRUISPUNT_ACCESS_LOG_DAYS`, default 365).
    public var accessLogDays: Int
    /// Access log entries kept in memory while the database cannot take them; beyond this they
    /// go to `DATA_DIR/access-log.spool` (`KRUISPUNT_ACCESS_LOG_MEMORY`, default 100,000).
    public var accessLogMemoryEntries: Int
    /// Whether requests are logged (`KRUISPUNT_ACCESS_LOG`): see `AccessLogMode`.
    public var accessLog: AccessLogMode
    /// The licence of everything published (`KRUISPUNT_LICENSE`), by default the Flemish
    /// Modellicentie Gratis Hergebruik.
    public var license: String
    /// The catalogue's contact address (`KRUISPUNT_CONTACT_EMAIL`).
    public var contactEmail: String
    /// Database connections for requests (`KRUISPUNT_DB_CONNECTIONS`, default 8), and how many
    /// requests may wait for one before the server answers 429 (`KRUISPUNT_MAX_WAITING_REQUESTS`, 512).
    public var databaseConnections: Int
    public var maxWaitingRequests: Int
    /// Hours after which `serve` writes a stream's dump again (`KRUISPUNT_DUMP_HOURS`, default
    /// 24; 0: never, dumps only by `kruispunt dump`).
    public var dumpHours: Int
    /// Megabytes of rendered immutable stream pages kept in memory (`KRUISPUNT_PAGE_CACHE_MB`, 512; 0: none).
    public var pageCacheMegabytes: Int
    /// SPARQL-lite's limits: statement timeout in milliseconds (`KRUISPUNT_SPARQL_TIMEOUT_MS`,
    /// 10000; then 503), most solutions per answer (`KRUISPUNT_SPARQL_ROW_CAP`, 100000), most
    /// characters per query (`KRUISPUNT_SPARQL_MAX_QUERY_CHARS`, 100000), and queries running at
    /// once per client address (`KRUISPUNT_SPARQL_PER_CLIENT`, 4; then 429).
    public var sparqlTimeoutMillis: Int
    public var sparqlRowCap: Int
    public var sparqlMaxQueryCharacters: Int
    public var sparqlPerClient: Int
    /// Requests per second each caller may make (`KRUISPUNT_RATE_LIMIT`, default 1000; bursts of
    /// twice that; 0: no limit): a token's holder by the token, others by address.
    public var rateLimit: Int
    /// The dashboard map's tile URL template (`KRUISPUNT_TILE_URL`, `{z}/{x}/{y}` placeholders;
    /// default OpenStreetMap's; empty: no background tiles, cameras and zones still drawn).
    public var tileURL: String
    /// Where Debian's JavaScript libraries are (`KRUISPUNT_JAVASCRIPT_DIR`, default
    /// `/usr/share/javascript`), served at `/vendor` (Leaflet, Chart.js).
    public var javascriptDirectory: String
    /// Largest accepted upload in bytes (`KRUISPUNT_MAX_UPLOAD_BYTES`), default 256 MiB.
    public var maxUploadBytes: Int
    /// Detections ingested and not yet treated beyond which uploads answer 503 (`KRUISPUNT_MAX_BACKLOG`,
    /// default 5,000,000; 0: no limit): a lagging treatment holds ingestion back instead of filling the disk.
    public var maxBacklog: Int
    /// Uploads received at once (`KRUISPUNT_MAX_UPLOADS`, default 8); more answer 429.
    public var maxConcurrentUploads: Int
    /// How long a graceful shutdown may take (`KRUISPUNT_SHUTDOWN_SECONDS`, default 25, under
    /// Kubernetes' 30 s grace period): then open requests are abandoned and a treatment run in
    /// flight is cancelled (rolled back).
    public var shutdownSeconds: Double
    /// A request body may pause at most this long between chunks (`KRUISPUNT_UPLOAD_IDLE_SECONDS`,
    /// default 20) and, after that long, must average `uploadMinimumRate` bytes a second
    /// (`KRUISPUNT_UPLOAD_MIN_RATE`, default 1024); else 408.
    public var uploadIdleSeconds: Double
    public var uploadMinimumRate: Int
    /// Folder holding `Shapes/`, `Ontology/`, `Catalog/`, `API/` and `Public/` (`KRUISPUNT_RESOURCES`), found automatically.
    public var resourcesDirectory: URL
    /// The treatment's rules: `--max-travel` (`KRUISPUNT_MAX_TRAVEL`, default 3600 s),
    /// `--transit-limit` (`KRUISPUNT_TRANSIT_LIMIT`, 1800 s), `--lateness` (`KRUISPUNT_LATENESS`,
    /// 900 s), `--pair-max-travel FILE` (`KRUISPUNT_PAIR_MAX_TRAVEL`: `origin,destination,seconds`
    /// lines), with the key rotation and the minimum count.
    public var treatment: TreatmentParameters
    /// The data-quality rules' thresholds: defaults, or a JSON file (`KRUISPUNT_QUALITY_RULES`).
    public var quality: QualityThresholds
    /// Seconds without new detections after which `serve` and `worker` close every open bucket
    /// (`KRUISPUNT_IDLE_CLOSE`, default 600; 0 never).
    public var idleCloseSeconds: Double
    /// The longest browser session after signing in, in hours (`KRUISPUNT_SESSION_HOURS`, 8).
    public var sessionHours: Double
    /// Seconds without progress after which a standby ends a hung holder of the treatment lease
    /// (`KRUISPUNT_LEASE_STALE_SECONDS`, 1800; 0: never).
    public var leaseStaleSeconds: Double
    /// This process's name among several on one database (`KRUISPUNT_INSTANCE`; default the
    /// host name and process id): shown as the holder of the treatment lease.
    public var instanceName: String

    public static let environmentPrefix = "KRUISPUNT_"

    public init(dataDirectory: String?, databaseURL: String?, baseURL: String?, minimumCount: Int?, logLevel: String?,
                keyRotation: String? = nil, maxTravel: String? = nil, transitLimit: String? = nil,
                lateness: String? = nil, pairMaxTravel: String? = nil) throws {
        let env = ProcessInfo.processInfo.environment
        let dir = dataDirectory ?? env["KRUISPUNT_DATA_DIR"] ?? ".kruispunt"
        self.dataDirectory = URL(fileURLWithPath: dir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        /// A variable that is set and not empty.
        func value(_ name: String) -> String? { env[name].flatMap { $0.isEmpty ? nil : $0 } }
        self.databaseURL = databaseURL ?? value("KRUISPUNT_DATABASE_URL")
        self.readDatabaseURL = value("KRUISPUNT_READ_DATABASE_URL")
        self.baseURL = baseURL ?? value("KRUISPUNT_BASE_URL")
        if let k = minimumCount ?? env["KRUISPUNT_MIN_COUNT"].map({ Int($0) ?? -1 }) {
            guard k >= 1 else { throw ConfigurationError("the minimum count (--min-count, KRUISPUNT_MIN_COUNT) must be an integer of at least 1 (1 disables suppression)") }
            self.minimumCount = k
        } else {
            self.minimumCount = 10
        }
        let rotation = keyRotation ?? env["KRUISPUNT_KEY_ROTATION"] ?? "day"
        guard let parsedRotation = KeyRotation(rawValue: rotation.lowercased()) else {
            throw ConfigurationError("unknown key rotation \"\(rotation)\" (day, week or none)")
        }
        self.keyRotation = parsedRotation
        let level = logLevel ?? env["KRUISPUNT_LOG_LEVEL"] ?? "info"
        guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
            throw ConfigurationError("unknown log level \"\(level)\" (trace, debug, info, notice, warning, error, critical)")
        }
        self.logLevel = parsed
        func count(_ name: String, _ fallback: Int, minimum: Int) throws -> Int {
            guard let text = env[name], !text.isEmpty else { return fallback }
            guard let n = Int(text), n >= minimum else { throw ConfigurationError("\(name) must be a whole number of at least \(minimum)") }
            return n
        }
        /// A number of seconds, hours or percent: unset or empty gives the fallback; anything else
        /// must be a finite number in `range`, never silently replaced by the default.
        func decimal(_ name: String, _ fallback: Double, _ range: ClosedRange<Double>, _ meaning: String) throws -> Double {
            guard let text = env[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return fallback }
            guard let n = Double(text), n.isFinite, range.contains(n) else {
                throw ConfigurationError("\(name) \"\(text)\" is not \(meaning)")
            }
            return n
        }
        self.statusIntervalSeconds = try decimal("KRUISPUNT_STATUS_INTERVAL", 5, 0.2...86_400, "a number of seconds of at least 0.2")
        self.diskMinFreePercent = try decimal("KRUISPUNT_DISK_MIN_FREE_PERCENT", 10, 0...100, "a percentage from 0 to 100")
        if let hook = env["KRUISPUNT_INCIDENT_WEBHOOK"], !hook.isEmpty {
            guard let url = URL(string: hook), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw ConfigurationError("KRUISPUNT_INCIDENT_WEBHOOK must be an http(s) URL")
            }
            self.incidentWebhook = url
        } else {
            self.incidentWebhook = nil
        }
        switch (env["KRUISPUNT_LOG_FORMAT"] ?? "text").lowercased() {
        case "text", "": self.jsonLogs = false
        case "json": self.jsonLogs = true
        case let other: throw ConfigurationError("unknown log format \"\(other)\" (text or json)")
        }
        self.resourcesDirectory = try Self.findResources(env["KRUISPUNT_RESOURCES"])
        self.ingestTokens = (env["KRUISPUNT_INGEST_TOKENS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.adminTokens = (env["KRUISPUNT_ADMIN_TOKENS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.oidc = try OIDCSettings.fromEnvironment(env)
        if let tooShort = (ingestTokens + adminTokens).first(where: { $0.count < 16 }) {
            throw ConfigurationError("KRUISPUNT_INGEST_TOKENS / KRUISPUNT_ADMIN_TOKENS: every token needs at least 16 characters (one has \(tooShort.count))")
        }
        self.maxUploadBytes = try count("KRUISPUNT_MAX_UPLOAD_BYTES", 256 << 20, minimum: 1)
        self.maxBacklog = try count("KRUISPUNT_MAX_BACKLOG", 5_000_000, minimum: 0)
        self.maxConcurrentUploads = try count("KRUISPUNT_MAX_UPLOADS", 8, minimum: 1)
        self.shutdownSeconds = try decimal("KRUISPUNT_SHUTDOWN_SECONDS", 25, 1...86_400, "a number of seconds of at least 1")
        self.uploadIdleSeconds = try decimal("KRUISPUNT_UPLOAD_IDLE_SECONDS", 20, 1...86_400, "a number of seconds of at least 1")
        self.uploadMinimumRate = try count("KRUISPUNT_UPLOAD_MIN_RATE", 1024, minimum: 0)
        self.retentionHours = try decimal("KRUISPUNT_RETENTION_HOURS", 72, 0.001...1e6, "a positive number of hours")
        self.sessionHours = try decimal("KRUISPUNT_SESSION_HOURS", 8, 0.001...720, "a number of hours above 0 and at most 720")
        self.license = value("KRUISPUNT_LICENSE") ?? Catalog.defaultLicense
        guard license.hasPrefix("http://") || license.hasPrefix("https://"), !license.contains(where: { " <>\"{}|\\^`".contains($0) }) else {
            throw ConfigurationError("KRUISPUNT_LICENSE must be the IRI of a licence (http:// or https://)")
        }
        self.accessLogDays = try count("KRUISPUNT_ACCESS_LOG_DAYS", 365, minimum: 1)
        self.accessLogMemoryEntries = try count("KRUISPUNT_ACCESS_LOG_MEMORY", 100_000, minimum: 1)
        let mode = (env["KRUISPUNT_ACCESS_LOG"] ?? "on").lowercased()
        guard let accessLog = mode.isEmpty ? .on : AccessLogMode(rawValue: mode) else {
            throw ConfigurationError("KRUISPUNT_ACCESS_LOG must be on, off or switchable")
        }
        self.accessLog = accessLog
        self.databaseConnections = try count("KRUISPUNT_DB_CONNECTIONS", 8, minimum: 1)
        self.maxWaitingRequests = try count("KRUISPUNT_MAX_WAITING_REQUESTS", 512, minimum: 0)
        self.dumpHours = try count("KRUISPUNT_DUMP_HOURS", 24, minimum: 0)
        self.pageCacheMegabytes = try count("KRUISPUNT_PAGE_CACHE_MB", 512, minimum: 0)
        self.sparqlTimeoutMillis = try count("KRUISPUNT_SPARQL_TIMEOUT_MS", 10_000, minimum: 1)
        self.sparqlRowCap = try count("KRUISPUNT_SPARQL_ROW_CAP", 100_000, minimum: 1)
        self.sparqlMaxQueryCharacters = try count("KRUISPUNT_SPARQL_MAX_QUERY_CHARS", 100_000, minimum: 10)
        self.sparqlPerClient = try count("KRUISPUNT_SPARQL_PER_CLIENT", 4, minimum: 1)
        self.rateLimit = try count("KRUISPUNT_RATE_LIMIT", 1_000, minimum: 0)
        self.contactEmail = value("KRUISPUNT_CONTACT_EMAIL") ?? "digitaal.vlaanderen@vlaanderen.be"
        self.tileURL = env["KRUISPUNT_TILE_URL"] ?? "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        guard tileURL.isEmpty || ((tileURL.hasPrefix("https://") || tileURL.hasPrefix("http://")) && tileURL.contains("{z}")
                                  && !tileURL.contains(where: { " <>\"".contains($0) })) else {
            throw ConfigurationError("KRUISPUNT_TILE_URL must be an http(s) URL template with {z}, {x} and {y}, or empty for no tiles")
        }
        self.javascriptDirectory = value("KRUISPUNT_JAVASCRIPT_DIR") ?? "/usr/share/javascript"
        guard contactEmail.split(separator: "@").count == 2, !contactEmail.contains(where: { " <>\"".contains($0) }) else {
            throw ConfigurationError("KRUISPUNT_CONTACT_EMAIL must be an e-mail address")
        }
        if let text = env["KRUISPUNT_PUBLISHED_RETENTION_DAYS"], !text.isEmpty {
            guard let days = Int(text), days > 0 else {
                throw ConfigurationError("KRUISPUNT_PUBLISHED_RETENTION_DAYS must be a positive whole number of days (unset: keep everything)")
            }
            self.publishedRetentionDays = days
        }
        func duration(_ flag: String?, _ variable: String, _ fallback: Int) throws -> Int {
            guard let text = flag ?? env[variable] else { return fallback }
            guard let s = Self.seconds(text), s > 0 else {
                let option = variable.dropFirst("KRUISPUNT_".count).lowercased().replacingOccurrences(of: "_", with: "-")
                throw ConfigurationError("\(option) \"\(text)\" is not a positive duration (seconds, or with s, m or h: 3600, 60m, 1h)")
            }
            return s
        }
        var pairs: [TreatmentParameters.Pair: Int] = [:]
        if let file = pairMaxTravel ?? env["KRUISPUNT_PAIR_MAX_TRAVEL"].flatMap({ $0.isEmpty ? nil : $0 }) {
            pairs = try Self.pairOverrides(file: file)
        }
        self.treatment = TreatmentParameters(
            minimumCount: self.minimumCount, maxTravelSeconds: try duration(maxTravel, "KRUISPUNT_MAX_TRAVEL", 3600),
            transitLimitSeconds: try duration(transitLimit, "KRUISPUNT_TRANSIT_LIMIT", 1800),
            latenessSeconds: try duration(lateness, "KRUISPUNT_LATENESS", 900), keyRotation: parsedRotation,
            pairMaxTravelSeconds: pairs)
        self.idleCloseSeconds = try decimal("KRUISPUNT_IDLE_CLOSE", 600, 0...1e9, "a number of seconds (0: never)")
        self.leaseStaleSeconds = try decimal("KRUISPUNT_LEASE_STALE_SECONDS", 1800, 0...1e9, "a number of seconds (0: never)")
        guard leaseStaleSeconds == 0 || leaseStaleSeconds >= 2 else {
            throw ConfigurationError("KRUISPUNT_LEASE_STALE_SECONDS must be 0 (never) or at least 2 seconds, well above every replica's treatment interval")
        }
        self.instanceName = value("KRUISPUNT_INSTANCE") ?? Self.hostName + ":\(getpid())"
        do {
            self.quality = try value("KRUISPUNT_QUALITY_RULES").map { try QualityThresholds.load(URL(fileURLWithPath: $0)) } ?? QualityThresholds()
        } catch {
            throw ConfigurationError("KRUISPUNT_QUALITY_RULES: \(error)")
        }
    }

    /// `3600`, `3600s`, `60m` or `1h` in seconds.
    public static func seconds(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(String, Int)] = [("h", 3600), ("m", 60), ("s", 1)]
        for (suffix, factor) in units where t.hasSuffix(suffix) { return Int(t.dropLast()).map { $0 * factor } }
        return Int(t)
    }

    /// Reads per-pair max travel times: `origin,destination,seconds` lines (a header line is allowed).
    static func pairOverrides(file: String) throws -> [TreatmentParameters.Pair: Int] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ConfigurationError("cannot read the pair max-travel file \(file)")
        }
        var out: [TreatmentParameters.Pair: Int] = [:]
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            if f.count == 1 && f[0].isEmpty { continue }
            if n == 0 && f.first == "origin" { continue }
            guard f.count == 3, !f[0].isEmpty, !f[1].isEmpty, let s = Self.seconds(f[2]), s > 0 else {
                throw ConfigurationError("\(file):\(n + 1): expected origin,destination,seconds")
            }
            out[TreatmentParameters.Pair(f[0], f[1])] = s
        }
        return out
    }

    /// The folder with Shapes/, Ontology/ and Public/: the environment variable, the working
    /// directory, or the package root above the executable (`.build/<config>/kruispunt`).
    static func findResources(_ explicit: String?) throws -> URL {
        let fm = FileManager.default
        var candidates: [URL] = []
        if let explicit { candidates.append(URL(fileURLWithPath: explicit)) }
        candidates.append(URL(fileURLWithPath: fm.currentDirectoryPath))
        var exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<5 { exe.deleteLastPathComponent(); candidates.append(exe) }
        for c in candidates where fm.fileExists(atPath: c.appendingPathComponent("Shapes").path)
            && fm.fileExists(atPath: c.appendingPathComponent("Public").path) {
            return c.standardizedFileURL
        }
        throw ConfigurationError("cannot find the Shapes/ and Public/ folders: run from the project folder or set KRUISPUNT_RESOURCES")
    }
}

/// A configuration a user must correct.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Whether the server logs requests. `off` and `switchable` exist only to measure what the log
/// costs (`make bench`); the server writes the mode into the access log when it starts, and a
/// switchable server writes every pause and resumption, so a gap is never silent. Commands are
/// logged in every mode.
public enum AccessLogMode: String, Sendable {
    case on, off
    /// On at the start; SIGUSR1 pauses and resumes it.
    case switchable
}

extension Configuration {
    /// The machine's host name (a container's is its id), without asking DNS.
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "kruispunt" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
