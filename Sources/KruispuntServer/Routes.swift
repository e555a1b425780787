import Foundation
import Hummingbird
import KruispuntDashboard
import KruispuntPublishing
import KruispuntRDF
import KruispuntStore
import KruispuntTreatment

/// The HTTP surface: dashboard, event streams, shapes and vocabulary, health.
struct Routes: Sendable {
    let runtime: Runtime
    let iris: IRIScheme
    let streams: [String: EventStream]
    let pages: PageCache
    let horizons: HorizonCache
    let catalog: Catalog
    let sparql: SPARQLEndpoint
    let restricted: RestrictedRoutes

    /// Reads the catalogue's fixed nodes (`Catalog/dcat-support.ttl`) once.
    init(runtime: Runtime, iris: IRIScheme, horizonTTL: Duration = .seconds(10)) throws {
        self.runtime = runtime
        self.iris = iris
        self.streams = Dictionary(uniqueKeysWithValues: EventStream.all(
            iris: iris, retentionDays: runtime.configuration.publishedRetentionDays).map { ($0.name, $0) })
        self.pages = PageCache(capacityBytes: runtime.configuration.pageCacheMegabytes << 20)
        self.horizons = HorizonCache(ttl: horizonTTL)
        self.sparql = SPARQLEndpoint(runtime: runtime, iris: iris)
        self.restricted = RestrictedRoutes(runtime: runtime, iris: iris)
        let file = runtime.configuration.resourcesDirectory.appendingPathComponent("Catalog/dcat-support.ttl")
        let support = try Raptor.shared.parse(try String(contentsOf: file, encoding: .utf8), syntax: .turtle,
                                              baseIRI: iris.base + "/").map(\.triple)
        self.catalog = Catalog(iris: iris, streams: streams.values.sorted { $0.name < $1.name }, license: runtime.configuration.license,
                               contactEmail: runtime.configuration.contactEmail, support: support)
    }

    func register(on router: Router<BasicRequestContext>) {
        sparql.register(on: router)
        restricted.register(on: router)
        router.get("/metrics") { request, _ in
            try Identity.require(.operator)
            let text = await runtime.metrics.exposition(runtime: runtime)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        router.get("/health/live") { _, _ in LinkedDataResponse.text("ok\n", status: .ok) }
        router.get("/health/ready") { _, _ in
            do {
                let version = try await runtime.pool.withConnection { try Migrations.currentVersion(on: $0) }
                let ready = version == Migrations.all.last?.version
                return LinkedDataResponse.text(ready ? "ready\n" : "migrations pending\n",
                                               status: ready ? .ok : .serviceUnavailable)
            } catch {
                return LinkedDataResponse.text("database unreachable\n", status: .serviceUnavailable)
            }
        }
        router.get("/streams/:name") { request, context in
            if let restricted = self.restricted.stream(named: context.parameters.get("name") ?? "") {
                return try await self.restricted.root(restricted, request: request)
            }
            let stream = try stream(context)
            let triples = try await runtime.read { try stream.root(on: $0) }
            return try LinkedDataResponse.make(triples, request: request, cacheSeconds: 10, base: iris.base)
        }
        router.get("/streams/:name/by-time") { request, context in
            let stream = try stream(context)
            return try respond(try await runtime.read { try stream.view(on: $0) }, request: request)
        }
        router.get("/streams/:name/by-time/:period") { request, context in
            let (stream, period) = try node(context)
            return try await node(stream, period, startSeq: nil, request: request)
        }
        router.get("/streams/:name/by-time/:period/:seq") { request, context in
            let (stream, period) = try node(context)
            guard let seq = Int64(context.parameters.get("seq") ?? ""), seq > 0 else { throw notFound }
            return try await node(stream, period, startSeq: seq, request: request)
        }
        router.get("/streams/:name/latest") { request, context in
            let stream = try stream(context)
            return try respond(try await runtime.read { try stream.latest(after: nil, on: $0) }, request: request)
        }
        router.get("/streams/:name/latest/:after") { request, context in
            let stream = try stream(context)
            guard let after = Int64(context.parameters.get("after") ?? ""), after > 0 else { throw notFound }
            return try respond(try await runtime.read { try stream.latest(after: after, on: $0) }, request: request)
        }
        router.get("/catalog") { request, _ in
            let triples = try await runtime.read { try catalog.triples(on: $0) }
            return try LinkedDataResponse.make(triples, request: request, cacheSeconds: 600, base: iris.base)
        }
        router.get("/void") { request, _ in
            let triples = try await runtime.read { try catalog.void(on: $0) }
            return try LinkedDataResponse.make(triples, request: request, cacheSeconds: 600, base: iris.base)
        }
        router.get("/dumps/:file") { request, context in
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".nq.gz"), let stream = streams[String(file.dropLast(6))] else { throw notFound }
            return try await DumpService.serve(stream, runtime: runtime, request: request, context: context)
        }
        router.get("/timeseries") { request, _ in
            let triples = try await runtime.read { try TimeSeries.index(iris: iris, on: $0) }
            return try LinkedDataResponse.make(triples, request: request, cacheSeconds: 600, base: iris.base)
        }
        router.get("/timeseries/:camera/:metric") { request, context in try await timeSeries(request, context) }
        router.get("/shapes/:name") { request, context in
            try resource(folder: "Shapes", name: context.parameters.get("name") ?? "", request: request)
        }
        router.get("/id/**") { request, _ in try await resource(request) }
        router.get(RouterPath(JSONLDContext.path)) { request, _ in
            // The context changes only with a release: clients may keep it a week, then revalidate (ETag).
            LinkedDataResponse.conditional(JSONLDContext.document, contentType: "application/ld+json",
                                           request: request, cacheSeconds: 604_800, vary: false)
        }
        router.get("/fragments") { request, _ in
            let query = parameters(request, ["subject", "predicate", "object", "graph", "after", "before"])
            let fragment: TriplePatternFragment
            do { fragment = try TriplePatternFragment(query: query, iris: iris) } catch let error as TPFError {
                throw HTTPError(.badRequest, message: error.message)
            }
            let quads = try await runtime.read { try fragment.page(on: $0) }
            return try LinkedDataResponse.make(quads: quads, request: request, cacheSeconds: 60, base: iris.base,
                                               headers: [.contentLocation: fragment.pageIRI])
        }
        router.get("/ontology") { request, _ in try resource(folder: "Ontology", name: "kruispunt", request: request) }
    }

    /// A camera's time series page, as Linked Data or CSV.
    private func timeSeries(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let camera = (context.parameters.get("camera") ?? "").removingPercentEncoding ?? ""
        let metric = context.parameters.get("metric") ?? ""
        let query = parameters(request, ["period", "from", "to"])
        let (series, page) = try await runtime.read { db -> (TimeSeries, (triples: [Triple], points: [TimeSeries.Point])) in
            guard try !QuadStore.lookup([.iri(iris.camera(camera))], on: db).isEmpty else {
                throw HTTPError(.notFound, message: "Onbekende camera / unknown camera: \(camera)")
            }
            guard let days = try PublishedState.days(on: db), let first = TimePeriod(name: days.first), let last = TimePeriod(name: days.last) else {
                throw HTTPError(.notFound, message: "Nog geen gegevens / no data yet")
            }
            let (firstDay, lastDay) = (first.dayNumber, last.dayNumber)
            let series: TimeSeries
            do { series = try TimeSeries(camera: camera, metric: metric, query: query, lastDay: lastDay, iris: iris) } catch let error as TimeSeriesError {
                throw HTTPError(error.notFound ? .notFound : .badRequest, message: error.message)
            }
            return (series, try series.page(firstDay: firstDay, lastDay: lastDay, on: db))
        }
        let location: HTTPFields = [.contentLocation: series.pageIRI]
        if ContentNegotiation.prefersCSV(accept: request.headers[.accept], format: request.uri.queryParameters.get("format")) {
            var response = LinkedDataResponse.conditional(TimeSeries.csv(page.points), contentType: "text/csv; charset=utf-8",
                                                          request: request, cacheSeconds: 60, vary: true)
            response.headers.append(contentsOf: location)
            return response
        }
        return try LinkedDataResponse.make(quads: page.triples.map { Quad($0, graph: nil) }, request: request, cacheSeconds: 60,
                                           base: iris.base, headers: location)
    }

    /// The query parameters among `names` that the request has.
    private func parameters(_ request: Request, _ names: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for name in names {
            if let value = request.uri.queryParameters.get(name) { found[name] = value }
        }
        return found
    }

    private var notFound: HTTPError { HTTPError(.notFound, message: "Pagina bestaat niet / no such page") }

    /// The stream and period named in a node's path.
    private func node(_ context: BasicRequestContext) throws -> (EventStream, TimePeriod) {
        let stream = try stream(context)
        guard let period = TimePeriod(name: context.parameters.get("period") ?? "") else { throw notFound }
        return (stream, period)
    }

    /// A node of the time-fragmented view: from the page cache when it never changes (and
    /// retention has not removed it), otherwise from the store.
    private func node(_ stream: EventStream, _ period: TimePeriod, startSeq: Int64?, request: Request) async throws -> Response {
        let key = PageCache.key(request)
        if let cached = pages.get(key) {
            if let horizon = try await horizons.horizon(stream.name, pool: runtime.pool), period.endMillis <= horizon { return gone }
            return LinkedDataResponse.conditional(cached.body, contentType: cached.contentType, request: request,
                                                  cacheSeconds: 31_536_000, vary: true, immutable: true, etag: cached.etag)
        }
        let page = try await runtime.read { try stream.node(period, startSeq: startSeq, on: $0) }
        return try respond(page, request: request) { body, contentType, etag in
            pages.put(key, .init(body: ByteBuffer(string: body), contentType: contentType, etag: etag))
        }
    }

    private var gone: Response {
        LinkedDataResponse.text("Deze pagina is verwijderd (bewaartermijn) / this page was removed (retention)\n", status: .gone)
    }

    /// A stream page: a page that never changes is cached for a year (and handed to `keep`),
    /// others for a few seconds; a page retention removed is 410 Gone.
    private func respond(_ page: EventStream.Page, request: Request,
                         keep: (_ body: String, _ contentType: String, _ etag: String) -> Void = { _, _, _ in }) throws -> Response {
        switch page {
        case .found(let triples, let immutable):
            return try LinkedDataResponse.make(triples, request: request, cacheSeconds: immutable ? 31_536_000 : 10,
                                               base: iris.base, immutable: immutable, treeProfile: true,
                                               rendered: immutable ? keep : { _, _, _ in })
        case .gone:
            return gone
        case .notFound:
            throw notFound
        }
    }

    private func stream(_ context: BasicRequestContext) throws -> EventStream {
        let name = context.parameters.get("name") ?? ""
        guard let stream = streams[name] else {
            throw HTTPError(.notFound, message: "Onbekende stream / unknown stream: \(name)")
        }
        return stream
    }

    /// Dereferences an IRI Kruispunt minted (a camera, an observation, a member version): its
    /// description from the store; a stable observation IRI also lists its versions.
    private func resource(_ request: Request) async throws -> Response {
        let iri = iris.base + request.uri.path
        if request.uri.path.hasPrefix(ObservationMapping.restrictedPrefix) {
            guard let metric = RestrictedRoutes.metric(ofPath: request.uri.path) else {
                throw HTTPError(.notFound, message: "Onbekende resource / unknown resource: \(iri)")
            }
            return try await restricted.describe(iri, metric: metric, request: request)
        }
        let triples = try await runtime.read { db -> [Triple] in
            let subject = Term.iri(iri)
            var triples = try QuadStore.describe(subject, on: db).map(\.triple)
            for version in try QuadStore.subjects(predicate: .iri(DCT.isVersionOf), object: subject, on: db) {
                triples += try QuadStore.describe(version, on: db).map(\.triple)
            }
            return Array(Set(triples)).sorted { ($0.subject, $0.predicate, $0.object) < ($1.subject, $1.predicate, $1.object) }
        }
        guard !triples.isEmpty else {
            throw HTTPError(.notFound, message: "Onbekende resource / unknown resource: \(iri)")
        }
        return try LinkedDataResponse.make(triples, request: request, cacheSeconds: 60, base: iris.base)
    }

    /// Serves a Turtle file of the project (a shape, the vocabulary) in the negotiated syntax.
    private func resource(folder: String, name: String, request: Request) throws -> Response {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
            throw HTTPError(.notFound)
        }
        let file = runtime.configuration.resourcesDirectory.appendingPathComponent(folder)
            .appendingPathComponent(name + ".ttl")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw HTTPError(.notFound, message: "\(folder)/\(name) bestaat niet / does not exist")
        }
        let base = folder == "Shapes" ? iris.shape(name) : iris.base + "/ontology"
        let quads = try Raptor.shared.parse(text, syntax: .turtle, baseIRI: base)
        return try LinkedDataResponse.make(quads.map(\.triple), request: request, cacheSeconds: 3600, base: iris.base)
    }
}
