import ArgumentParser
import Foundation
import KruispuntServer
import KruispuntStore
import Logging
import Synchronization

/// Options every command accepts (before or after the command name).
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Folder for the embedded PostgreSQL cluster and local state (env KRUISPUNT_DATA_DIR).", valueName: "dir"))
    var dataDir: String?

    @Option(name: .long, help: ArgumentHelp("Use this PostgreSQL server instead of the embedded cluster (env KRUISPUNT_DATABASE_URL).", valueName: "url"))
    var databaseURL: String?

    @Option(name: .long, help: ArgumentHelp("Base of every IRI and link, e.g. https://kruispunt.vlaanderen.be (env KRUISPUNT_BASE_URL; default http://HOST:PORT).", valueName: "url"))
    var baseURL: String?

    @Option(name: .long, help: ArgumentHelp("Small-count threshold k: counts 1..k-1 are suppressed (env KRUISPUNT_MIN_COUNT; default 10; 1 disables).", valueName: "k"))
    var minCount: Int?

    @Option(name: .long, help: ArgumentHelp("trace, debug, info, notice, warning, error (env KRUISPUNT_LOG_LEVEL; default info).", valueName: "level"))
    var logLevel: String?

    @Option(name: .long, help: ArgumentHelp("How long pseudonyms link a vehicle's detections: day (Europe/Brussels calendar day), week or none (env KRUISPUNT_KEY_ROTATION; default day). The master secret comes from KRUISPUNT_PSEUDONYM_SECRET or DATA_DIR/pseudonym.secret.", valueName: "period"))
    var keyRotation: String?

    @Option(name: .long, help: ArgumentHelp("Longest gap between two detections of a vehicle that still makes a trip (env KRUISPUNT_MAX_TRAVEL; default 3600; seconds, or 60m, 1h).", valueName: "duration"))
    var maxTravel: String?

    @Option(name: .long, help: ArgumentHelp("Longest entry-to-exit time of through traffic (env KRUISPUNT_TRANSIT_LIMIT; default 1800; a zone may set its own).", valueName: "duration"))
    var transitLimit: String?

    @Option(name: .long, help: ArgumentHelp("How late detections may arrive before buckets close (env KRUISPUNT_LATENESS; default 900).", valueName: "duration"))
    var lateness: String?

    @Option(name: .long, help: ArgumentHelp("CSV of per-pair max travel times: origin,destination,seconds (env KRUISPUNT_PAIR_MAX_TRAVEL).", valueName: "file"))
    var pairMaxTravel: String?

    /// The option names that take a value, for moving them behind the command name.
    static let names = ["--data-dir", "--database-url", "--base-url", "--min-count", "--log-level", "--key-rotation",
                        "--max-travel", "--transit-limit", "--lateness", "--pair-max-travel"]

    func configuration() throws -> Configuration {
        try Configuration(dataDirectory: dataDir, databaseURL: databaseURL, baseURL: baseURL,
                          minimumCount: minCount, logLevel: logLevel, keyRotation: keyRotation,
                          maxTravel: maxTravel, transitLimit: transitLimit, lateness: lateness, pairMaxTravel: pairMaxTravel)
    }

    /// Sets up logging (to standard error, so standard output stays clean for data) and opens the
    /// database. The embedded cluster is stopped on SIGINT/SIGTERM too.
    func runtime(label: String) throws -> Runtime {
        let configuration = try configuration()
        let level = configuration.logLevel
        let json = configuration.jsonLogs
        LoggingSystem.bootstrap { label in
            if json { return JSONLogHandler(label: label, level: level) }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "kruispunt.\(label)")
        let runtime = try Runtime(configuration: configuration, logger: logger)
        SignalGuard.install(runtime)
        // Every command is an administrative action on the store: it goes in the access log.
        let entry = AccessLog.Entry(kind: "admin", atMillis: Int64(Date.now.timeIntervalSince1970 * 1000),
                                    identity: "os:" + (ProcessInfo.processInfo.environment["USER"] ?? "uid \(getuid())"),
                                    method: "CLI", path: "kruispunt " + label, query: Self.loggedArguments(CommandLine.arguments))
        do { try runtime.pool.withConnectionBlocking { try AccessLog.append([entry], on: $0, witness: runtime.accessLogWitness) } }
        catch { logger.error("the access log could not be written: \(error)") }
        return runtime
    }

    /// The command line as logged: a database URL (which may hold a password) is left out.
    static func loggedArguments(_ arguments: [String]) -> String {
        var kept: [String] = [], skip = false
        for a in arguments.dropFirst() {
            if skip { skip = false; continue }
            if a == "--database-url" { kept.append(a + " …"); skip = true; continue }
            kept.append(a.hasPrefix("--database-url=") ? "--database-url=…" : a)
        }
        return kept.joined(separator: " ")
    }
}

/// Handles SIGINT and SIGTERM for the whole life of the process (no window where the default
/// action could kill it and leave the embedded cluster running). One-shot commands stop the
/// cluster and exit; `serve` and `demo` switch to a graceful server shutdown.
enum SignalGuard {
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []
    private static let handler = Mutex<(@Sendable (Int32) -> Void)?>(nil)

    static func install(_ runtime: Runtime) {
        onSignal { sig in
            runtime.logger.notice("interrupted: stopping")
            runtime.shutdown()
            exit(128 + sig)
        }
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { handler.withLock { $0 }?(sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Replaces what a signal does.
    static func onSignal(_ body: @escaping @Sendable (Int32) -> Void) {
        handler.withLock { $0 = body }
    }

    /// Connects the signals to a graceful server shutdown.
    static func forward(to trigger: ShutdownTrigger, logger: Logger) {
        onSignal { sig in
            logger.notice("signal \(sig): shutting down gracefully")
            trigger.fire()
        }
    }
}

/// The signal that asked a loop to stop, if one did.
final class StopRequest: Sendable {
    private let received = Mutex<Int32?>(nil)
    var signal: Int32? { received.withLock { $0 } }
    func set(_ signal: Int32) { received.withLock { $0 = signal } }
}

/// Writes to standard output without Foundation's shared `stdout` global.
enum StandardOutput {
    private static let handle = FileHandle(fileDescriptor: 1, closeOnDealloc: false)
    static func write(_ text: String) {
        do { try handle.write(contentsOf: Data(text.utf8)) } catch {
            FileHandle.standardError.write(Data("kruispunt: cannot write to standard output: \(error)\n".utf8))
            exit(74)
        }
    }
}
