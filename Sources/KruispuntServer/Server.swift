import Foundation
import Hummingbird
import KruispuntRDF
import KruispuntTreatment
import Logging

/// The Kruispunt HTTP server: dashboard, Linked Data and health endpoints, plus the continuous
/// treatment. Stops gracefully on SIGINT/SIGTERM.
public struct Server: Sendable {
    public let runtime: Runtime
    public let host: String
    public let port: Int
    public let treatmentInterval: Duration

    public init(runtime: Runtime, host: String, port: Int, treatmentInterval: Duration = .seconds(10)) {
        self.runtime = runtime
        self.host = host
        self.port = port
        self.treatmentInterval = treatmentInterval
    }

    /// The base URL of all IRIs: the configured one, or `http://HOST:PORT`.
    public var iris: IRIScheme {
        IRIScheme(base: runtime.configuration.baseURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)")
    }

    /// Serves until a shutdown signal arrives.
    public func run(onReady: @escaping @Sendable () -> Void = {}) async throws {
        let router = Router()
        router.add(middleware: FileMiddleware(runtime.configuration.resourcesDirectory.appendingPathComponent("Public").path,
                                              urlBasePath: "/public", logger: runtime.logger))
        Routes(runtime: runtime, iris: iris).register(on: router)
        let treatment = VehicleCountTreatment(iris: iris, policy: SmallCountPolicy(minimumCount: runtime.configuration.minimumCount),
                                              logger: runtime.logger)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "Kruispunt"),
            services: [TreatmentService(runtime: runtime, treatment: treatment, interval: treatmentInterval)],
            onServerRunning: { _ in onReady() },
            logger: runtime.logger)
        try await app.runService()
    }
}
