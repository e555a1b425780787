import Foundation
import Hummingbird
import KruispuntANPR
import KruispuntDashboard
import KruispuntStore

/// `GET /api/stats` (operators): what the platform received, treated, published and stores
/// (`OperatorStatistics`), for local days `van`/`from` to `tot`/`to` (both included; default the
/// last 31 days), optionally of one `camera`. JSON with snake_case keys; `GET /stats` shows the
/// same as a page with charts.
struct StatisticsAPI: Sendable {
    let runtime: Runtime

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/stats") { request, _ in try await statistics(request) }
        router.get("/stats") { request, _ in try await page(request) }
    }

    private func read(_ request: Request) async throws -> OperatorStatistics {
        try Identity.require(.operator)
        let (from, to) = try RequestParameters.days(request)
        let camera = try RequestParameters.camera(request)
        let k = runtime.configuration.minimumCount
        let stats = try await runtime.pool.withConnection { db in
            try OperatorStatistics.read(from: from.iso, to: to.iso, camera: camera, minimumCount: k, on: db)
        }
        return stats
    }

    private func statistics(_ request: Request) async throws -> Response {
        try OperatorResponse.json(try await read(request))
    }

    private func page(_ request: Request) async throws -> Response {
        OperatorResponse.html(StatisticsPage.render(try await read(request), query: request.uri.query ?? ""))
    }
}
