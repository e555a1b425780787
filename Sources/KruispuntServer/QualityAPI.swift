import Foundation
import Hummingbird
import KruispuntDashboard
import KruispuntStore
import KruispuntTreatment

/// Data quality for operators (admin token): `GET /api/quality` (JSON: the camera x day matrix
/// for `van`/`from` to `tot`/`to`, optionally one `camera`; with `camera` and `dag`/`day`, that
/// day's hours with their measures and rules; always the rules firing now and the thresholds)
/// and `GET /quality`, the same as a page in Dutch.
struct QualityAPI: Sendable {
    let runtime: Runtime

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/quality") { request, _ in try await json(request) }
        router.get("/quality") { request, _ in try await page(request) }
    }

    /// What both answers show.
    struct Report: Encodable {
        let from: String, to: String, camera: String?, day: String?
        let alerts: [Alert]
        let days: [QualityReport.Day]
        let hours: [QualityReport.Hour]?
        let incidents: [Incidents.Incident]
        let thresholds: QualityThresholds
        struct Alert: Encodable { let rule: String, label: String, cameras: [String] }
    }

    private func report(_ request: Request) async throws -> Report {
        try Identity.require(.operator)
        let (from, to) = try RequestParameters.days(request, defaultDays: 14)
        let camera = try RequestParameters.camera(request)
        let day = try RequestParameters.day(request, ["day", "dag"])
        if day != nil && camera == nil {
            throw HTTPError(.badRequest, message: "'dag' vraagt ook 'camera' / 'day' needs 'camera' too")
        }
        let k = runtime.configuration.minimumCount
        return try await runtime.pool.withConnection { db in
            let alerts = try QualityReport.alerts(on: db)
            let incidents = try Incidents.list(limit: 200, on: db).filter { $0.component.hasPrefix(StatusService.qualityPrefix) }
            return Report(from: from.iso, to: to.iso, camera: camera, day: day?.iso,
                          alerts: alerts.map { .init(rule: $0.rule.rawValue, label: $0.rule.label.nl, cameras: $0.cameras) },
                          days: try QualityReport.days(from: from.iso, to: to.iso, camera: camera, on: db),
                          hours: try day.map { try QualityReport.hours(camera: camera!, day: $0.iso, minimumCount: k, on: db) },
                          incidents: incidents, thresholds: runtime.configuration.quality)
        }
    }

    private func json(_ request: Request) async throws -> Response {
        try OperatorResponse.json(try await report(request))
    }

    private func page(_ request: Request) async throws -> Response {
        OperatorResponse.html(QualityPage.render(try await report(request)))
    }
}
