import Foundation
import KruispuntRDF
import KruispuntSPARQL
import KruispuntStore

/// The analysts' dashboard: builds a page's panels from the filters, answers their SPARQL-lite
/// queries on a few pooled connections at once, and renders the page.
///
/// ```swift
/// let html = try await Dashboard(iris: iris, minimumCount: 10).render(.overview, filters: filters, pool: pool)
/// ```
public struct Dashboard: Sendable {
    public enum Page: String, Sendable, CaseIterable {
        case overview, camera, flows, zones, compare
        /// Scenario-2 data for a signed-in analyst whose city holds a purpose (`/beperkt`).
        case restricted
    }

    /// Who the page is for, when it is not everyone: a signed-in analyst's city, and the
    /// restricted graphs it may read (nil: none, no restricted page).
    public struct Reader: Sendable {
        public var tenant: String
        public var restricted: RestrictedGraphs?
        public init(tenant: String, restricted: RestrictedGraphs?) {
            self.tenant = tenant
            self.restricted = restricted
        }
    }

    public let iris: IRIScheme
    public let minimumCount: Int
    /// The map's tile URL template (`{z}/{x}/{y}`); empty: no background tiles.
    public let tileURL: String
    public let engine: SPARQLEngine
    /// How many of a page's panel queries run at once (each on its own connection).
    public let concurrency: Int

    public init(iris: IRIScheme, minimumCount: Int, tileURL: String = "", engine: SPARQLEngine = SPARQLEngine(rowCap: 20_000, timeoutMillis: 20_000),
                concurrency: Int = 3) {
        self.iris = iris
        self.minimumCount = minimumCount
        self.tileURL = tileURL
        self.engine = engine
        self.concurrency = max(1, concurrency)
    }

    /// A part of a page: panels (side by side when `pair`), or finished HTML.
    private enum Section {
        case panels([Panel], pair: Bool = false)
        case html(String)
    }

    /// Renders a page. `camera` is the camera of the camera page; `reader` a signed-in analyst
    /// (the restricted page needs one with restricted graphs). Throws `DashboardNotFound` for an
    /// unknown camera.
    public func render(_ page: Page, camera: String? = nil, filters: DashboardFilters, reader: Reader? = nil,
                       pool: ConnectionPool) async throws -> String {
        // What the panels depend on, on one connection: the registry, the data's freshness (the
        // newest day with data sets the default period: the last 7 days with data) and the
        // overview's live feed.
        let (registry, freshness, feed) = try await pool.withConnection { [self] db in
            var registry = try Registry.load(on: db)
            if page == .restricted { registry = registry.narrowed(to: reader?.restricted?.features ?? []) }
            if page == .camera {
                guard let camera, registry.camera(camera) != nil else { throw DashboardNotFound(camera: camera ?? "") }
            }
            let freshness = run(PageContext.freshness(registry.cameraIDs(filters)?.map(iris.camera), language: filters.language), on: db)
            let feed = page == .overview ? try LiveFeed.newest(limit: 10, on: db) : []
            return (registry, freshness, feed)
        }
        let latest = freshness.rows.compactMap { freshness.value($0, "latest").flatMap { LocalDay.of(lexical: $0.lexical) } }.max()
        let end = filters.to.flatMap(LocalDay.parse) ?? latest ?? LocalDay(number: Int(Date.now.timeIntervalSince1970 / 86_400))
        let start = filters.from.flatMap(LocalDay.parse) ?? end.adding(-6)
        let context = PageContext(iris: iris, filters: filters, registry: registry, from: min(start, end), to: max(start, end),
                                  latest: latest, minimumCount: minimumCount)
        let t = context.t
        let view = { (result: PanelResult) in PanelView(result: result, language: filters.language, minimumCount: minimumCount).render() }
        var sections: [Section] = []
        let title: String
        switch page {
        case .overview:
            title = t("Overzicht", "Overview")
            sections = [.panels([context.headline]), .panels([context.cameraMap, context.zoneCameras]),
                        .html(LiveFeedView(language: filters.language, minimumCount: minimumCount).render(feed)),
                        .panels([context.dailyTotals]), .panels([context.cameraTotals]), .html(view(freshness))]
        case .camera:
            let id = camera!
            // The typical profile shows the newest window that starts before the period ends.
            let window = try? await pool.withConnection { [engine] db in try engine.execute(context.profileWindowQuery(id), on: db) }
            var windowStart: String?
            if case .bindings(_, let rows, _)? = window { windowStart = rows.first?.first??.lexical }
            title = t("Camera ", "Camera ") + id + (registry.camera(id).map { $0.name.isEmpty ? "" : " · " + $0.name } ?? "")
            sections = [context.quality(id), context.hourlyCounts(id), context.dailyCounts(id), context.hourProfile(id),
                        context.typicalProfile(id, window: windowStart), context.uniqueVehicles(id), context.speeds(id),
                        context.vehicleMix(id)].map { .panels([$0]) }
        case .flows:
            title = t("Stromen", "Flows")
            sections = [.panels([context.odMatrix]), .panels([context.topFlows]), .panels([context.flowMap, context.cameraMap]),
                        .panels([context.travelTimeDistribution]), .panels([context.medianTravelTime])]
        case .zones:
            title = "Zones"
            sections = [context.zoneHours, context.zoneWeekdays, context.dwellTimes, context.zoneUnique, context.zoneCameras].map { .panels([$0]) }
        case .compare:
            title = t("Vergelijk", "Compare")
            let b = context.comparison
            sections = [
                .panels([context.compareHours(context.from, context.to, label: "A", id: "uren-a"), context.compareHours(b.from, b.to, label: "B", id: "uren-b")], pair: true),
                .panels([context.compareCameras(context.from, context.to, label: "A", id: "cameras-a"), context.compareCameras(b.from, b.to, label: "B", id: "cameras-b")], pair: true),
                .panels([context.compareThrough(context.from, context.to, label: "A", id: "doorgaand-a"), context.compareThrough(b.from, b.to, label: "B", id: "doorgaand-b")], pair: true),
            ]
        case .restricted:
            title = t("Beperkte gegevens", "Restricted data")
            let metrics = reader?.restricted?.metrics ?? []
            sections = [.html(RestrictedNotice(language: filters.language, tenant: reader?.tenant ?? "", metrics: metrics).render())]
                + context.restrictedPanels(metrics: metrics).map { .panels([$0]) }
        }
        let restricted = page == .restricted ? reader?.restricted : nil
        // Every panel of the page at once (at most `concurrency` queries in flight), then in order.
        let panels = sections.flatMap { section -> [Panel] in if case .panels(let p, _) = section { return p }; return [] }
        var results = await answers(panels, restricted: restricted, pool: pool).makeIterator()
        let html = sections.map { section -> String in
            switch section {
            case .html(let text): return text
            case .panels(let p, let pair):
                let body = p.map { _ in view(results.next()!) }.joined()
                return pair ? "<div class=\"pair\">\n" + body + "</div>\n" : body
            }
        }
        return DashboardLayout(context: context, page: page, camera: camera, title: title, tileURL: tileURL,
                               restrictedLink: reader?.restricted != nil).render(html)
    }

    /// The answers to `panels`, in their order, each query on its own pooled connection (over
    /// the open store and the `restricted` graphs).
    func answers(_ panels: [Panel], restricted: RestrictedGraphs? = nil, pool: ConnectionPool) async -> [PanelResult] {
        await withTaskGroup(of: (Int, PanelResult).self) { group in
            var next = 0
            func start() {
                guard next < panels.count else { return }
                let (index, panel) = (next, panels[next])
                next += 1
                group.addTask { [self] in
                    do { return (index, try await pool.withConnection { db in self.run(panel, restricted: restricted, on: db) }) }
                    catch { return (index, PanelResult(panel: panel, variables: [], rows: [], error: "\(error)")) }
                }
            }
            for _ in 0..<concurrency { start() }
            var results = [PanelResult?](repeating: nil, count: panels.count)
            for await (index, result) in group {
                results[index] = result
                start()
            }
            return results.map { $0! }
        }
    }

    /// Answers a panel's query; a refusal or failure is kept with the panel (shown as such).
    func run(_ panel: Panel, restricted: RestrictedGraphs? = nil, on db: Connection) -> PanelResult {
        do {
            switch try engine.execute(try engine.parse(panel.sparql), restricted: restricted, on: db) {
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
