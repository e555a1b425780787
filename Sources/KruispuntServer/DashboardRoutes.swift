import Foundation
import HTTPTypes
import Hummingbird
import KruispuntDashboard
import KruispuntPublishing
import KruispuntRDF
import KruispuntSPARQL
import KruispuntStore

/// The dashboard's pages (`/`, `/camera/{id}`, `/stromen`, `/zones`, `/vergelijk`), the
/// restricted page of a signed-in analyst whose city holds a purpose (`/beperkt`), and the live
/// feed (`/live` as Server-Sent Events, `/live.json` for polling).
struct DashboardRoutes: Sendable {
    let runtime: Runtime
    let dashboard: Dashboard
    let broadcaster: LiveBroadcaster
    let restricted: RestrictedRoutes

    init(runtime: Runtime, iris: IRIScheme, broadcaster: LiveBroadcaster) {
        self.runtime = runtime
        self.restricted = RestrictedRoutes(runtime: runtime, iris: iris)
        let c = runtime.configuration
        self.dashboard = Dashboard(iris: iris, minimumCount: c.minimumCount, tileURL: c.tileURL,
                                   engine: SPARQLEngine(unionDefaultGraph: true, rowCap: min(c.sparqlRowCap, 20_000),
                                                        timeoutMillis: c.sparqlTimeoutMillis))
        self.broadcaster = broadcaster
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/") { request, _ in try await page(.overview, request) }
        router.get("/camera/:id") { request, context in
            try await page(.camera, request, camera: context.parameters.get("id"))
        }
        router.get("/stromen") { request, _ in try await page(.flows, request) }
        router.get("/zones") { request, _ in try await page(.zones, request) }
        router.get("/vergelijk") { request, _ in try await page(.compare, request) }
        router.get("/beperkt") { request, _ in try await page(.restricted, request) }
        router.get("/live") { request, _ in live(request) }
        router.get("/live.json") { request, _ in try await poll(request) }
    }

    /// Query parameters as a form sends them (`+` is a space), in order.
    static func parameters(_ query: String?) -> [(String, String)] {
        guard let query, !query.isEmpty else { return [] }
        return query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let plain = s.replacingOccurrences(of: "+", with: " ")
                return plain.removingPercentEncoding ?? plain
            }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    private func page(_ page: Dashboard.Page, _ request: Request, camera: String? = nil) async throws -> Response {
        let filters: DashboardFilters
        do {
            filters = try DashboardFilters(parameters: Self.parameters(request.uri.query))
        } catch let error as DashboardFilterError {
            return LinkedDataResponse.text(error.description + "\n", status: .badRequest)
        }
        // A signed-in analyst sees a link to the restricted page, when its city holds a purpose.
        var reader: Dashboard.Reader?
        if page == .restricted {
            do { reader = try await restrictedReader(request) } catch let refusal as HTTPError {
                guard ContentNegotiation.prefersHTML(accept: request.headers[.accept], format: nil) else { throw refusal }
                return Self.refusalPage(refusal)
            }
        } else if let tenant = Identity.current.analystTenant {
            reader = .init(tenant: tenant, restricted: try await restricted.graphs())
        }
        let html: String
        do {
            html = try await dashboard.render(page, camera: camera, filters: filters, reader: reader, pool: runtime.pool)
        } catch let missing as DashboardNotFound {
            return LinkedDataResponse.text("Onbekende camera / unknown camera: \(missing.camera)\n", status: .notFound)
        }
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache", .vary: "Accept-Language"]
        if reader != nil {
            // Drawn for this reader (its link, or its restricted figures): never shared.
            headers[.cacheControl] = page == .restricted ? "private, no-store" : "private, no-cache"
            headers[.vary] = "Accept-Language, Cookie, Authorization"
        }
        headers[.contentLanguage] = filters.language == .nl ? "nl-BE" : "en"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// The reader of the restricted page: an analyst whose city holds a purpose today. Anyone
    /// else gets 401 (with a way to sign in) or 403, and no figure.
    private func restrictedReader(_ request: Request) async throws -> Dashboard.Reader {
        let me: Identity
        do { me = try Identity.require(.analyst) } catch let error as HTTPError where error.status == .unauthorized {
            throw HTTPError(.unauthorized, headers: error.headers, message: """
                Meld u aan als analist van uw stad om beperkte gegevens te zien (/aanmelden?volgende=/beperkt) / \
                sign in as an analyst of your city to see restricted data
                """)
        }
        guard let tenant = me.analystTenant, let graphs = try await restricted.graphs() else {
            throw HTTPError(.forbidden, message: """
                Uw stad heeft geen doelbinding voor beperkte gegevens / your city holds no purpose for restricted data \
                (kruispunt purpose grant --tenant … --metrics …)
                """)
        }
        return .init(tenant: tenant, restricted: graphs)
    }

    /// A refusal of the restricted page as a page, with the way to sign in.
    static func refusalPage(_ refusal: HTTPError) -> Response {
        let e = HTML.escape
        let html = """
            <!DOCTYPE html>
            <html lang="nl-BE">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Beperkte gegevens · Kruispunt</title><link rel="stylesheet" href="/public/kruispunt.css"></head>
            <body><main id="inhoud">
            <h1>Beperkte gegevens</h1>
            <p>\(e(refusal.body ?? ""))</p>
            <p><a href="/aanmelden?volgende=/beperkt">Aanmelden / sign in</a> · <a href="/">Overzicht / overview</a></p>
            </main></body></html>

            """
        var headers = refusal.headers
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: refusal.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// Server-Sent Events: first what was published after `Last-Event-ID` (or `?after=`), then
    /// every new observation as it is committed, and a comment line as heartbeat.
    private func live(_ request: Request) -> Response {
        let lastID = request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { Int64($0) }
            ?? request.uri.queryParameters.get("after").flatMap { Int64($0) }
        let (id, stream) = broadcaster.subscribe()
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store",
                                   HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { [runtime, broadcaster] writer in
            defer { broadcaster.unsubscribe(id) }
            var sent = lastID ?? 0
            try await writer.write(ByteBuffer(string: "retry: 5000\n: Kruispunt live feed\n\n"))
            if let lastID {
                let missed = try await runtime.pool.withConnection { try LiveFeed.after(lastID, limit: 500, on: $0) }
                if !missed.isEmpty {
                    try await writer.write(ByteBuffer(string: missed.map(LiveFeed.event).joined()))
                    sent = missed.last!.seq
                }
            }
            for await batch in stream {
                let fresh = batch.filter { $0.seq > sent }
                if batch.isEmpty {
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                } else if !fresh.isEmpty {
                    try await writer.write(ByteBuffer(string: fresh.map(LiveFeed.event).joined()))
                    sent = fresh.last!.seq
                }
            }
            try await writer.finish(nil)
        })
    }

    /// The polling fallback: observations after `?after=` (at most 100), or the newest 20.
    private func poll(_ request: Request) async throws -> Response {
        let afterText = request.uri.queryParameters.get("after")
        if let afterText, Int64(afterText) == nil || Int64(afterText)! < 0 {
            return LinkedDataResponse.text("'after' moet een volgnummer zijn / must be a sequence number\n", status: .badRequest)
        }
        let (observations, last) = try await runtime.pool.withConnection { db -> ([LiveObservation], Int64) in
            let last = try LiveFeed.lastSeq(on: db)
            if let after = afterText.flatMap({ Int64($0) }) { return (try LiveFeed.after(after, limit: 100, on: db), last) }
            return (try LiveFeed.newest(limit: 20, on: db), last)
        }
        let headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store", .accessControlAllowOrigin: "*"]
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: LiveFeed.json(observations, last: last))))
    }
}
