import Foundation
import Hummingbird
import KruispuntPublishing
import KruispuntRDF
import KruispuntStore
import KruispuntTreatment
import Logging
import ServiceLifecycle
import Synchronization

/// The Kruispunt HTTP server: dashboard, Linked Data and health endpoints, plus the continuous
/// treatment. Stops gracefully on SIGINT/SIGTERM.
public struct Server: Sendable {
    public let runtime: Runtime
    public let host: String
    public let port: Int
    public let treatmentInterval: Duration
    /// A drop folder to watch, if any.
    public var dropFolder: URL?

    /// The base of every IRI (see `Runtime.iriScheme`).
    public let iris: IRIScheme

    public init(runtime: Runtime, host: String, port: Int, treatmentInterval: Duration = .seconds(10)) throws {
        self.runtime = runtime
        self.host = host
        self.port = port
        self.treatmentInterval = treatmentInterval
        self.iris = try runtime.iriScheme(fallback: "http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
    }

    /// Runs `body` on every SIGUSR1 until the returned source is cancelled.
    static func onSIGUSR1(_ body: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(SIGUSR1, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGUSR1, queue: .global())
        source.setEventHandler(handler: body)
        source.resume()
        return source
    }

    /// Serves until `shutdown` fires (the caller connects it to SIGINT/SIGTERM).
    public func run(shutdown: ShutdownTrigger, onReady: @escaping @Sendable () -> Void = {}) async throws {
        let router = Router()
        let c = runtime.configuration
        let accessLog = AccessLogRecorder(spool: c.dataDirectory.appendingPathComponent("access-log.spool"),
                                          memoryLimit: c.accessLogMemoryEntries)
let oidc = c.oidc.map { OIDCVerifier(settings: $0, logger: runtime.logger) }
        if let oidc {
            do { try await oidc.reload() } catch where !oidc.settings.jwks.hasPrefix("http") {
                throw error   // a key file that cannot be used is a configuration error
            } catch {
                runtime.logger.error("OpenID Connect keys could not be read (tried again when a JWT arrives): \(error)")
            }
        }
        let authenticator = Authenticator(adminTokens: c.adminTokens, ingestTokens: c.ingestTokens, pool: runtime.pool, oidc: oidc)
        router.add(middleware: IdentityMiddleware(authenticator: authenticator))
        if c.accessLog != .on { accessLog.recordLogEvent("access log \(c.accessLog.rawValue) (KRUISPUNT_ACCESS_LOG)") }
        // Bodies other than uploads are small: a SPARQL query's characters (UTF-8), a form or a note.
        let bodyLimit = max(c.sparqlMaxQueryCharacters * 4 + 4_096, 1 << 20)
        if c.accessLog != .off {
            router.add(middleware: AccessLogMiddleware(recorder: accessLog, slow: c.slowBody, bodyLimit: bodyLimit))
        }
        router.add(middleware: SlowBodyMiddleware(slow: c.slowBody, limit: bodyLimit))
        let pauseSignal = c.accessLog == .switchable ? Self.onSIGUSR1 { accessLog.toggle() } : nil
        defer { pauseSignal?.cancel() }
        let limiter = c.rateLimit > 0 ? RateLimiter(perSecond: c.rateLimit) : nil
        if let limiter { router.add(middleware: RateLimitMiddleware(limiter: limiter)) }
        router.add(middleware: RefusedTokenMiddleware())
        router.add(middleware: SessionCSRFMiddleware())
        router.add(middleware: ControlCharacterPathMiddleware())
        runtime.metrics.bootstrapSystem()
        router.add(middleware: RequestMetricsMiddleware(metrics: runtime.metrics))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        router.add(middleware: CompressionMiddleware())
        router.add(middleware: SecurityHeadersMiddleware(tileURL: c.tileURL))
        router.add(middleware: FileMiddleware(runtime.configuration.resourcesDirectory.appendingPathComponent("Public").path,
                                              urlBasePath: "/public", logger: runtime.logger))
        // Debian's JavaScript libraries (Leaflet, Chart.js) for the dashboard, never copied here.
        router.add(middleware: FileMiddleware(runtime.configuration.javascriptDirectory, urlBasePath: "/vendor",
                                              cacheControl: .init([(MediaType(type: .any), [.maxAge(86_400), .public])]), logger: runtime.logger))
        router.add(middleware: RetryLaterMiddleware())
        try Routes(runtime: runtime, iris: iris).register(on: router)
        let live = LiveBroadcaster()
        DashboardRoutes(runtime: runtime, iris: iris, broadcaster: live).register(on: router)
        let ingestAPI = IngestAPI(runtime: runtime)
        ingestAPI.clearSpool()
        ingestAPI.register(on: router)
        SignInRoutes(runtime: runtime, authenticator: authenticator, limiter: limiter).register(on: router)
        AccessLogAPI(runtime: runtime).register(on: router)
        StatisticsAPI(runtime: runtime).register(on: router)
        QualityAPI(runtime: runtime).register(on: router)
        StatusAPI(runtime: runtime).register(on: router)
        let apiDocument = try APIDocument(file: c.resourcesDirectory.appendingPathComponent("API/openapi.json"), baseURL: iris.base)
        apiDocument.register(on: router)
        apiDocument.logComparison(with: router.routes, logger: runtime.logger)
        let treatment = try runtime.treatment(iris: iris)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "Kruispunt"),
            onServerRunning: { _ in onReady() },
            logger: runtime.logger)
        var groupConfiguration = ServiceGroupConfiguration(
            // The access log first, so that it stops last and takes what the last requests recorded.
            services: [AccessLogService(runtime: runtime, recorder: accessLog), app, TreatmentService(runtime: runtime, treatment: treatment, interval: treatmentInterval),
                       RetentionService(runtime: runtime),
                       StatusService(runtime: runtime, interval: .milliseconds(Int(c.statusIntervalSeconds * 1000))),
                       DumpService(runtime: runtime, streams: EventStream.all(iris: iris))] + (dropFolder.map { [DropFolderService(runtime: runtime, directory: $0)] } ?? [])
                // Last, so that it stops first and open live feeds end before the server waits for requests.
                + [LiveFeedService(runtime: runtime, broadcaster: live)],
            logger: runtime.logger)
        // Past the deadline the shutdown becomes a cancellation: open requests are abandoned and
        // a treatment run in flight is cancelled (its transaction rolls back).
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(Int(c.shutdownSeconds * 1000))
        let group = ServiceGroup(configuration: groupConfiguration)
        guard shutdown.attach(group) else { return }
        try await group.run()
    }
}

/// Starts a graceful shutdown of a running server from outside (a signal handler). A request
/// that arrives before the server runs makes it return at once.
public final class ShutdownTrigger: Sendable {
    private let state = Mutex<(group: ServiceGroup?, requested: Bool)>((nil, false))

    public init() {}

    /// Requests the shutdown.
    public func fire() {
        let group = state.withLock { s -> ServiceGroup? in
            s.requested = true
            return s.group
        }
        if let group { Task { await group.triggerGracefulShutdown() } }
    }

    /// Registers the running group; false when a shutdown was already requested.
    func attach(_ group: ServiceGroup) -> Bool {
        state.withLock { s in
            s.group = group
            return !s.requested
        }
    }
}

/// Turns the errors a client should retry into answers that say so: 429 Too Many Requests with
/// `Retry-After` when the database connections are all busy and the waiting line is full
/// (`PoolOverloaded`), instead of letting the queue grow; 503 Service Unavailable with
/// `Retry-After` when the database cannot be reached (stopped, restarting, failing over), at once
/// rather than after a hanging request.
struct RetryLaterMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch is PoolOverloaded {
            return Self.answer(.tooManyRequests, retryAfter: 1, "Te veel verzoeken, probeer het zo opnieuw / too many requests, retry shortly")
        } catch let error as StoreError where error.isDatabaseUnavailable {
            return Self.answer(.serviceUnavailable, retryAfter: 5,
                               "De databank is tijdelijk onbereikbaar, probeer het zo opnieuw / the database is temporarily unreachable, retry shortly")
        }
    }

    static func answer(_ status: HTTPResponse.Status, retryAfter: Int, _ message: String) -> Response {
        Response(status: status,
                 headers: [.retryAfter: String(retryAfter), .contentType: "text/plain; charset=utf-8", .cacheControl: "no-store",
                           .accessControlAllowOrigin: "*"],
                 body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }
}
