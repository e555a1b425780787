import Foundation
import KruispuntRDF
import KruispuntSPARQL
import KruispuntStore

/// The analysts' dashboard: builds a page's panels from the filters, answers each panel's
/// SPARQL-lite query on one connection, and renders the page.
///
/// ```swift
/// let html = try Dashboard(iris: iris, minimumCount: 10).render(.overview, filters: filters, on: db)
/// ```
public struct Dashboard: Sendable {
    public enum Page: String, Sendable, CaseIterable {
        case overview, camera, flows, zones, compare
    }

    public let iris: IRIScheme
    public let minimumCount: Int
    /// The map's tile URL template (`{z}/{x}/{y}`); empty: no background tiles.
    public let tileURL: String
    public let engine: SPARQLEngine

    public init(iris: IRIScheme, minimumCount: Int, tileURL: String = "", engine: SPARQLEngine = SPARQLEngine(rowCap: 20_000, timeoutMillis: 20_000)) {
        self.iris = iris
        self.minimumCount = minimumCount
        self.tileURL = tileURL
        self.engine = engine
    }

    /// Renders a page. `camera` is the camera of the camera page. Throws `DashboardNotFound`
    /// for an unknown camera.
    public func render(_ page: Page, camera: String? = nil, filters: DashboardFilters, on db: Connection) throws -> String {
        let registry = try Registry.load(on: db)
        if page == .camera {
            guard let camera, registry.camera(camera) != nil else { throw DashboardNotFound(camera: camera ?? "") }
        }
        // The newest day with data sets the default period (the last 7 days with data).
        let freshness = run(PageContext.freshness(registry.cameraIDs(filters)?.map(iris.camera), language: filters.language), on: db)
        let latest = freshness.rows.compactMap { freshness.value($0, "latest").flatMap { LocalDay.of(lexical: $0.lexical) } }.max()
        let end = filters.to.flatMap(LocalDay.parse) ?? latest ?? LocalDay(number: Int(Date.now.timeIntervalSince1970 / 86_400))
        let start = filters.from.flatMap(LocalDay.parse) ?? end.adding(-6)
        let context = PageContext(iris: iris, filters: filters, registry: registry, from: min(start, end), to: max(start, end),
                                  latest: latest, minimumCount: minimumCount)
        let t = context.t
        func render(_ panel: Panel, on db: Connection) -> String {
            PanelView(result: run(panel, on: db), language: filters.language, minimumCount: minimumCount).render()
        }
        var sections: [String] = []
        let title: String
        switch page {
        case .overview:
            title = t("Overzicht", "Overview")
            sections.append(render(context.headline, on: db))
            sections.append(render(context.cameraMap, on: db) + render(context.zoneCameras, on: db))
            sections.append(LiveFeedView(language: filters.language, minimumCount: minimumCount).render(try LiveFeed.newest(limit: 10, on: db)))
            sections += [context.dailyTotals, context.cameraTotals].map { render($0, on: db) }
            sections.append(PanelView(result: freshness, language: filters.language, minimumCount: minimumCount).render())
        case .camera:
            let id = camera!
            let window = try? engine.execute(context.profileWindowQuery(id), on: db)
            var windowStart: String?
            if case .bindings(_, let rows, _)? = window { windowStart = rows.first?.first??.lexical }
            title = t("Camera ", "Camera ") + id + (registry.camera(id).map { $0.name.isEmpty ? "" : " · " + $0.name } ?? "")
            sections += [context.quality(id), context.hourlyCounts(id), context.dailyCounts(id), context.hourProfile(id),
                         context.typicalProfile(id, window: windowStart), context.uniqueVehicles(id), context.speeds(id),
                         context.vehicleMix(id)].map { render($0, on: db) }
        case .flows:
            title = t("Stromen", "Flows")
            sections += [context.odMatrix, context.topFlows].map { render($0, on: db) }
            sections.append(render(context.flowMap, on: db) + render(context.cameraMap, on: db))
            sections += [context.travelTimeDistribution, context.medianTravelTime].map { render($0, on: db) }
        case .zones:
            title = "Zones"
            sections += [context.zoneHours, context.zoneWeekdays, context.dwellTimes, context.zoneUnique, context.zoneCameras].map { render($0, on: db) }
        case .compare:
            title = t("Vergelijk", "Compare")
            let b = context.comparison
            let labelA = "A", labelB = "B"
            for (pa, pb) in [(context.compareHours(context.from, context.to, label: labelA, id: "uren-a"), context.compareHours(b.from, b.to, label: labelB, id: "uren-b")),
                             (context.compareCameras(context.from, context.to, label: labelA, id: "cameras-a"), context.compareCameras(b.from, b.to, label: labelB, id: "cameras-b")),
                             (context.compareThrough(context.from, context.to, label: labelA, id: "doorgaand-a"), context.compareThrough(b.from, b.to, label: labelB, id: "doorgaand-b"))] {
                sections.append("<div class=\"pair\">\n" + render(pa, on: db) + render(pb, on: db) + "</div>\n")
            }
        }
        return DashboardLayout(context: context, page: page, camera: camera, title: title, tileURL: tileURL).render(sections)
    }

    /// Answers a panel's query; a refusal or failure is kept with the panel (shown as such).
    func run(_ panel: Panel, on db: Connection) -> PanelResult {
        do {
            switch try engine.execute(panel.sparql, on: db) {
            case .bindings(let variables, let rows, let truncated):
                return PanelResult(panel: panel, variables: variables, rows: rows, truncated: truncated)
            default:
                return PanelResult(panel: panel, variables: [], rows: [], error: "not a SELECT query")
            }
        } catch {
            return PanelResult(panel: panel, variables: [], rows: [], error: "\(error)")
        }
    }
}

/// A camera page for a camera the registry does not know.
public struct DashboardNotFound: Error, Sendable {
    public let camera: String
}
