import Foundation
import Hummingbird
import KruispuntDashboard
import KruispuntStore
import KruispuntTreatment

/// Data quality for operators and for a city's analysts, who see their tenant's cameras only:
/// `GET /api/quality` (JSON: the camera x day matrix for `van`/`from` to `tot`/`to`, optionally
/// one `camera`; with `camera` and `dag`/`day`, that day's hours with their measures and rules;
/// always the rules firing now and the thresholds) and `GET /quality`, the same as a page in Dutch.
struct QualityAPI: Sendable {
    let runtime: Runtime

    func register(on router: Router<BasicRequestContext>) {
        router.get("/api/quality") { request, _ in try await json(request) }
        router.get("/quality") { request, _ in try await page(request) }
    }

    /// What both answers show.
    struct Report: Encodable {
        let from: String, to: String, camera: String?, day: String?
        /// The analyst's tenant, whose cameras these are (nil: an operator's view of all).
        let tenant: String?
        let alerts: [Alert]
        let days: [QualityReport.Day]
        let hours: [QualityReport.Hour]?
        let incidents: [Incidents.Incident]
        let thresholds: QualityThresholds
        struct Alert: Encodable { let rule: String, label: String, cameras: [String] }
    }

    private func report(_ request: Request) async throws -> Report {
        let me = try Identity.require(.operator, .analyst)
        let (from, to) = try RequestParameters.days(request, defaultDays: 14)
        let camera = try RequestParameters.camera(request)
        let day = try RequestParameters.day(request, ["day", "dag"])
        if day != nil && camera == nil {
            throw HTTPError(.badRequest, message: "'dag' vraagt ook 'camera' / 'day' needs 'camera' too")
        }
        let k = runtime.configuration.minimumCount
        return try await runtime.pool.withConnection { db in
            // An analyst's view is its tenant's cameras, filtered in the queries themselves.
            let own = try me.analystTenant.map { try Tenants.cameras(of: $0, on: db) }
            if let own, let camera, !own.contains(camera) {
                throw HTTPError(.forbidden, message: "Camera \(camera) hoort niet bij uw stad / camera \(camera) is not your tenant's")
            }
            let alerts = try QualityReport.alerts(within: own, on: db)
            let incidents = try Incidents.list(limit: 200, on: db).filter { $0.component.hasPrefix(StatusService.qualityPrefix) }
                .compactMap { incident in own.map { Self.narrowed(incident, to: Set($0)) } ?? incident }
            return Report(from: from.iso, to: to.iso, camera: camera, day: day?.iso, tenant: me.analystTenant,
                          alerts: alerts.map { .init(rule: $0.rule.rawValue, label: $0.rule.label.nl, cameras: $0.cameras) },
                          days: try QualityReport.days(from: from.iso, to: to.iso, camera: camera, within: own, on: db),
                          hours: try day.map { try QualityReport.hours(camera: camera!, day: $0.iso, minimumCount: k, on: db) },
                          incidents: incidents, thresholds: runtime.configuration.quality)
        }
    }

    /// A data-quality incident as an analyst sees it: only when it affects the tenant's cameras,
    /// naming only those, without the operators' timeline and notes.
    static func narrowed(_ incident: Incidents.Incident, to own: Set<String>) -> Incidents.Incident? {
        let affected = incident.affected.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter(own.contains)
        guard !affected.isEmpty else { return nil }
        var narrowed = incident
        narrowed.affected = affected.joined(separator: ",")
        if let rule = QualityRule(rawValue: String(incident.component.dropFirst(StatusService.qualityPrefix.count))) {
            narrowed.detail = StatusService.qualityDetail(rule, cameras: affected)
        } else {
            narrowed.detail = incident.title + " bij camera " + affected.joined(separator: ", ")
        }
        narrowed.events = []
        narrowed.acknowledgedBy = nil
        return narrowed
    }

    private func json(_ request: Request) async throws -> Response {
        try OperatorResponse.json(try await report(request))
    }

    private func page(_ request: Request) async throws -> Response {
        OperatorResponse.html(QualityPage.render(try await report(request)))
    }
}
