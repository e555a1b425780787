import Foundation
import KruispuntANPR
import Logging

/// Kruispunt's configuration: command-line flags first, then `KRUISPUNT_*` environment variables,
/// then defaults. One struct for every command.
public struct Configuration: Sendable {
    /// Folder for the embedded cluster and local state (`--data-dir`, `KRUISPUNT_DATA_DIR`).
    public var dataDirectory: URL
    /// An external PostgreSQL (`--database-url`, `KRUISPUNT_DATABASE_URL`); nil starts the embedded cluster.
    public var databaseURL: String?
    /// The base of every IRI and link (`--base-url`, `KRUISPUNT_BASE_URL`); default `http://HOST:PORT`.
    public var baseURL: String?
    /// Small-count threshold k (`--min-count`, `KRUISPUNT_MIN_COUNT`), default 10.
    public var minimumCount: Int
    /// How long pseudonyms link detections (`--key-rotation`, `KRUISPUNT_KEY_ROTATION`), default day.
    public var keyRotation: KeyRotation
    /// Log level (`--log-level`, `KRUISPUNT_LOG_LEVEL`), default info.
    public var logLevel: Logger.Level
    /// Bearer tokens allowed to upload detections (`KRUISPUNT_INGEST_TOKENS`, comma-separated;
    /// none: uploads are refused). Never logged.
    public var ingestTokens: [String]
    /// Bearer tokens of operators (`KRUISPUNT_ADMIN_TOKENS`, comma-separated): quarantine API.
    public var adminTokens: [String]
    /// Hours raw detections are kept after the treatment passed them (`KRUISPUNT_RETENTION_HOURS`), default 72.
    public var retentionHours: Double
    /// Largest accepted upload in bytes (`KRUISPUNT_MAX_UPLOAD_BYTES`), default 256 MiB.
    public var maxUploadBytes: Int
    /// Folder holding `Shapes/`, `Ontology/` and `Public/` (`KRUISPUNT_RESOURCES`), found automatically.
    public var resourcesDirectory: URL

    public static let environmentPrefix = "KRUISPUNT_"

    public init(dataDirectory: String?, databaseURL: String?, baseURL: String?, minimumCount: Int?, logLevel: String?,
                keyRotation: String? = nil) throws {
        let env = ProcessInfo.processInfo.environment
        let dir = dataDirectory ?? env["KRUISPUNT_DATA_DIR"] ?? ".kruispunt"
        self.dataDirectory = URL(fileURLWithPath: dir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        self.databaseURL = databaseURL ?? env["KRUISPUNT_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        self.baseURL = baseURL ?? env["KRUISPUNT_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
        if let k = minimumCount ?? env["KRUISPUNT_MIN_COUNT"].map({ Int($0) ?? -1 }) {
            guard k >= 1 else { throw ConfigurationError("the minimum count must be an integer of at least 1 (1 disables suppression)") }
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
        self.resourcesDirectory = try Self.findResources(env["KRUISPUNT_RESOURCES"])
        self.ingestTokens = (env["KRUISPUNT_INGEST_TOKENS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.adminTokens = (env["KRUISPUNT_ADMIN_TOKENS"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let tooShort = (ingestTokens + adminTokens).first(where: { $0.count < 16 }) {
            throw ConfigurationError("KRUISPUNT_INGEST_TOKENS / KRUISPUNT_ADMIN_TOKENS: every token needs at least 16 characters (one has \(tooShort.count))")
        }
        self.maxUploadBytes = Int(env["KRUISPUNT_MAX_UPLOAD_BYTES"] ?? "") ?? 256 << 20
        self.retentionHours = Double(env["KRUISPUNT_RETENTION_HOURS"] ?? "") ?? 72
        guard retentionHours.isFinite, retentionHours > 0 else {
            throw ConfigurationError("KRUISPUNT_RETENTION_HOURS must be a positive number of hours")
        }
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
