import Foundation
import Hummingbird
import KruispuntPublishing
import KruispuntRDF
import KruispuntSPARQL
import KruispuntStore
import KruispuntTreatment

/// The read paths of restricted (scenario-2) observations: each restricted stream
/// (`/streams/euro-classes`, its pages) and the dereferencing of `/id/restricted/…` IRIs. Only
/// an analyst whose tenant holds a purpose for the metric gets them, and only for the tenant's
/// own cameras and zones (the SQL takes both); anyone else gets 401 or 403, never a member.
/// Responses are private: `Cache-Control: private, no-store`.
struct RestrictedRoutes: Sendable {
    let runtime: Runtime
    let iris: IRIScheme

    /// The restricted stream named `name` (`euro-classes`), if there is one.
    func stream(named name: String) -> RestrictedStream? {
        guard let metric = Metric.restricted.first(where: { $0.stream == name }) else { return nil }
        return RestrictedStream(name: name, metric: metric.slug, title: Self.title(metric), iris: iris)
    }

    /// The restricted metric of a path below `/id/restricted/` (nil: none).
    static func metric(ofPath path: String) -> Metric? {
        guard path.hasPrefix(ObservationMapping.restrictedPrefix) else { return nil }
        return Metric.restricted(named: String(path.dropFirst(ObservationMapping.restrictedPrefix.count).prefix { $0 != "/" }))
    }

    /// The metric slug and feature (`camera:ID`, `zone:ID`) a restricted IRI names, under any
    /// base URL; nil for an IRI that is not below `/id/restricted/`.
    static func named(in iri: String) -> (metric: String, feature: String)? {
        guard let range = iri.range(of: ObservationMapping.restrictedPrefix) else { return nil }
        let parts = iri[range.upperBound...].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 2 else { return (parts.first ?? "", "") }
        return (parts[0], parts[1] + ":" + (parts[2].removingPercentEncoding ?? parts[2]))
    }

    /// The restricted graphs the current identity may query: nil unless it is an analyst whose
    /// tenant holds a purpose today (read on every request, so a revocation holds at once).
    func graphs() async throws -> RestrictedGraphs? {
        guard let tenant = Identity.current.analystTenant else { return nil }
        return try await runtime.pool.withConnection { db -> RestrictedGraphs? in
            let metrics = try PurposeGrants.metrics(of: tenant, on: db)
            guard !metrics.isEmpty else { return nil }
            let own = try Self.own(tenant, on: db)
            return RestrictedGraphs(metrics: metrics, features: RestrictedStore.features(cameras: own.cameras, zones: own.zones),
                                    properties: metrics.compactMap { Metric.restricted(named: $0)?.property })
        }
    }

    static func title(_ metric: Metric) -> (nl: String, en: String) {
        switch metric {
        case .nationality: ("Nationaliteit per camera en zone (beperkt)", "Nationality mix per camera and zone (restricted)")
        case .vehicleCategory: ("Voertuigcategorie per camera (beperkt)", "Vehicle category per camera (restricted)")
        case .vehicleAge: ("Voertuigleeftijd per camera (beperkt)", "Vehicle age per camera (restricted)")
        case .euroClass: ("Euronorm per camera (beperkt)", "Euro emission class per camera (restricted)")
        case .heavyTransit: ("Doorgaand zwaar verkeer per zone (beperkt)", "Heavy through traffic per zone (restricted)")
        case .recurringVehicles: ("Terugkerende voertuigen per zone (beperkt)", "Recurring vehicles per zone (restricted)")
        default: ("Naleving lage-emissiezone per zone (beperkt)", "Low-emission-zone compliance per zone (restricted)")
        }
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/streams/:name/pages") { request, context in try await page(context, after: 0, request: request) }
        router.get("/streams/:name/pages/:after") { request, context in
            guard let after = Int64(context.parameters.get("after") ?? ""), after > 0 else {
                throw HTTPError(.notFound, message: "Pagina bestaat niet / no such page")
            }
            return try await page(context, after: after, request: request)
        }
    }

    /// The stream description, to an analyst allowed the metric.
    func root(_ stream: RestrictedStream, request: Request) async throws -> Response {
        _ = try await scope(for: stream.metric)
        return try respond(stream.root(), request: request)
    }

    /// The description of a restricted observation or member IRI the analyst may see: 403 when
    /// the IRI names a camera or zone that is not the tenant's, 404 when there is no such one.
    func describe(_ iri: String, metric: Metric, request: Request) async throws -> Response {
        let scope = try await scope(for: metric)
        guard let (_, feature) = Self.named(in: request.uri.path),
              RestrictedStore.features(cameras: scope.cameras, zones: scope.zones).contains(feature) else {
            throw HTTPError(.forbidden, message: "Geen toegang: niet van uw stad / not one of your tenant's cameras or zones")
        }
        let triples = try await runtime.pool.withConnection {
            try RestrictedStream.describe(iri, metric: metric.slug, scope: scope, on: $0)
        }
        guard !triples.isEmpty else { throw HTTPError(.notFound, message: "Onbekende resource / unknown resource: \(iri)") }
        return try respond(triples, request: request)
    }

    private func page(_ context: BasicRequestContext, after: Int64, request: Request) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        guard let stream = stream(named: name) else {
            throw HTTPError(.notFound, message: "Onbekende beperkte stream / unknown restricted stream: \(name)")
        }
        let scope = try await scope(for: stream.metric)
        guard let triples = try await runtime.pool.withConnection({ try stream.page(after: after, scope: scope, on: $0) }) else {
            throw HTTPError(.notFound, message: "Pagina bestaat niet / no such page")
        }
        return try respond(triples, request: request)
    }

    /// What the current identity may see of a restricted metric: 401 without a valid identity,
    /// 403 for every role but analyst and for an analyst whose tenant holds no purpose for the
    /// metric today, 409 for recurring vehicles under daily key rotation.
    func scope(for name: String) async throws -> RestrictedStream.Scope {
        guard let metric = Metric.restricted(named: name) else { throw HTTPError(.notFound) }
        return try await scope(for: metric)
    }

    func scope(for metric: Metric) async throws -> RestrictedStream.Scope {
        let me = try Identity.require(.analyst)
        guard let tenant = me.analystTenant else {
            throw HTTPError(.forbidden, message: "Analist zonder tenant / analyst without a tenant")
        }
        let scope = try await runtime.pool.withConnection { db -> RestrictedStream.Scope in
            guard try PurposeGrants.metrics(of: tenant, on: db).contains(metric.slug) else {
                throw HTTPError(.forbidden, message: """
                    Geen doelbinding voor \(metric.slug) / tenant \(tenant) holds no purpose for \(metric.slug) \
                    (kruispunt purpose grant --tenant \(tenant) --metrics \(metric.slug) …)
                    """)
            }
            return try Self.own(tenant, on: db)
        }
        if metric == .recurringVehicles, let why = RestrictedMetrics.recurringRefusal(runtime.configuration.keyRotation) {
            throw HTTPError(.conflict, message: "Terugkerende voertuigen worden niet berekend bij dagelijkse sleutelrotatie / " + why)
        }
        return scope
    }

    /// A tenant's own cameras, and the zones all of whose cameras are its own.
    static func own(_ tenant: String, on db: Connection) throws -> RestrictedStream.Scope {
        let cameras = try Tenants.cameras(of: tenant, on: db)
        return .init(cameras: cameras, zones: try RestrictedStore.zones(ofCameras: cameras, on: db))
    }

    /// Linked Data for this reader only.
    private func respond(_ triples: [Triple], request: Request) throws -> Response {
        var response = try LinkedDataResponse.make(triples, request: request, cacheSeconds: 0, base: iris.base, treeProfile: true)
        response.headers[.cacheControl] = "private, no-store"
        response.headers[.vary] = "Accept, Authorization, Cookie"
        response.headers[.accessControlAllowOrigin] = nil
        return response
    }
}
