import Foundation
import Hummingbird
import KruispuntANPR
import KruispuntDashboard
import KruispuntStore

/// `GET /api/stats` (operators): what the platform received, treated, published and stores
/// (`OperatorStatistics`), for local days `van`/`from` to `tot`/`to` (both included; default the
/// last 31 days), optionally of one `camera`. JSON with snake_case keys.
struct StatisticsAPI: Sendable {
    let runtime: Runtime

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/stats") { request, _ in try await statistics(request) }
    }

    private func statistics(_ request: Request) async throws -> Response {
        try BearerToken.authorise(request, tokens: runtime.configuration.adminTokens)
        let (from, to) = try RequestParameters.days(request)
        let camera = try RequestParameters.camera(request)
        let k = runtime.configuration.minimumCount
        let stats = try await runtime.pool.withConnection { db in
            try OperatorStatistics.read(from: from.iso, to: to.iso, camera: camera, minimumCount: k, on: db)
        }
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        var body = try encoder.encode(stats)
        body.append(0x0A)
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
