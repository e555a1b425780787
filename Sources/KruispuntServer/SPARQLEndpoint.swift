import Foundation
import HTTPTypes
import Hummingbird
import KruispuntPublishing
import KruispuntRDF
import KruispuntSPARQL
import KruispuntStore
import KruispuntTreatment
import Synchronization

/// The SPARQL 1.1 Protocol at `/sparql`: queries by GET `?query=`, POST form or POST
/// `application/sparql-query`; results in JSON, XML, CSV or TSV (SELECT, ASK) or any RDF syntax
/// (CONSTRUCT, DESCRIBE). Without a query: the service description, or a query page for people.
/// A refused query is 400 with the reason, a query past its time 503, a client with too many
/// queries running 429.
struct SPARQLEndpoint: Sendable {
    let runtime: Runtime
    let iris: IRIScheme
    let engine: SPARQLEngine
    let running: RunningQueries
    /// The analysts' guides' example queries, shown on the query page.
    let examples: [SPARQLQueryPage.Example]

    init(runtime: Runtime, iris: IRIScheme) {
        self.runtime = runtime
        self.iris = iris
        let c = runtime.configuration
        engine = SPARQLEngine(unionDefaultGraph: true, rowCap: c.sparqlRowCap, timeoutMillis: c.sparqlTimeoutMillis,
                              maxQueryLength: c.sparqlMaxQueryCharacters)
        running = RunningQueries(perClient: c.sparqlPerClient)
        examples = SPARQLQueryPage.examples(in: c.resourcesDirectory.appendingPathComponent("docs/examples/sparql"))
        if examples.isEmpty {
            runtime.logger.warning("no example queries under docs/examples/sparql in the resources folder: the query page shows none")
        }
    }

    var endpointIRI: String { iris.base + "/sparql" }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/sparql") { request, _ in
            // The query string is form-encoded: "+" is a space (Hummingbird leaves it as "+").
            let raw = request.uri.query ?? ""
            guard let query = RequestParameters.formValue("query", in: raw) else { return try describe(request) }
            return try await answer(query, request: request, form: raw)
        }
        router.post("/sparql") { request, _ in
            let limit = runtime.configuration.sparqlMaxQueryCharacters * 4 + 4_096
            let buffer = try await request.body.collect(upTo: limit)
            let body = String(buffer: buffer)
            let type = (request.headers[.contentType] ?? "").lowercased()
            if type.hasPrefix("application/sparql-query") { return try await answer(body, request: request) }
            if type.hasPrefix("application/x-www-form-urlencoded") {
                guard let query = RequestParameters.formValue("query", in: body) else {
                    throw HTTPError(.badRequest, message: "Geen query-parameter / no query parameter in the form")
                }
                return try await answer(query, request: request, form: body)
            }
            if type.hasPrefix("application/sparql-update") || RequestParameters.formValue("update", in: body) != nil {
                throw HTTPError(.badRequest, message: "SPARQL Update wordt niet ondersteund / SPARQL Update is not supported")
            }
            throw HTTPError(.unsupportedMediaType,
                            message: "Gebruik application/sparql-query of application/x-www-form-urlencoded / use application/sparql-query or application/x-www-form-urlencoded")
        }
    }

    /// Runs a query for a client (one of at most `perClient` at once) and writes its answer.
    private func answer(_ text: String, request: Request, form: String? = nil) async throws -> Response {
        let client = Self.client(request)
        guard running.enter(client) else {
            var response = Self.error(request, status: .tooManyRequests,
                                      message: "Te veel gelijktijdige queries / too many queries running at once for this client")
            response.headers[.retryAfter] = "1"
            return response
        }
        defer { running.leave(client) }
        var query: SPARQLQuery
        do { query = try engine.parse(text, baseIRI: endpointIRI) } catch let error as SPARQLError {
            return Self.refusal(request, error)
        }
        // Protocol dataset parameters override the query's FROM and FROM NAMED.
        let defaults = Self.values("default-graph-uri", request: request, form: form)
        let named = Self.values("named-graph-uri", request: request, form: form)
        if !defaults.isEmpty || !named.isEmpty {
            query.from = defaults
            query.fromNamed = named
        }
        // Restricted observations are in the graphs SPARQL-lite reads only for an analyst whose
        // city holds a purpose for them, and only those of the city's own cameras and zones;
        // naming any other (under any base URL the data was minted with) is refused.
        let restricted = try await RestrictedRoutes(runtime: runtime, iris: iris).graphs()
        if let refusal = Self.restrictedRefusal(query, text: text, readable: restricted) {
            return Self.error(request, status: .forbidden, message: refusal)
        }
        let format = request.uri.queryParameters.get("format")
        let accept = request.headers[.accept]
        let resultFormat = SPARQLResultFormat.negotiate(accept: accept, format: format)
        // A browser (HTML preferred, or ?format=html) sees the answer as a page.
        let page = ContentNegotiation.prefersHTML(accept: accept, format: format)
        if case .select = query.form, resultFormat == nil, !page { return Self.notAcceptable() }
        if case .ask = query.form, resultFormat == nil, !page { return Self.notAcceptable() }
        let result: SPARQLResult
        do {
            result = try await runtime.pool.withConnection { [engine, query] db in try engine.execute(query, restricted: restricted, on: db) }
        } catch let error as SPARQLError {
            return Self.refusal(request, error)
        } catch let error as SPARQLEvaluationError {
            if error.timedOut {
                var response = Self.error(request, status: .serviceUnavailable,
                                          message: "De query liep langer dan \(engine.timeoutMillis) ms / the query ran longer than \(engine.timeoutMillis) ms")
                response.headers[.retryAfter] = "60"
                return response
            }
            return Self.error(request, status: .badRequest, message: "De query kon niet uitgevoerd worden / the query could not be evaluated: \(error.message)")
        }
        var response = try respond(result, request: request, text: text, page: page, format: resultFormat)
        if restricted != nil {
            // The answer may hold this reader's restricted observations: for it alone.
            response.headers[.cacheControl] = "private, no-store"
            response.headers[.vary] = "Accept, Authorization, Cookie"
            response.headers[.accessControlAllowOrigin] = nil
        }
        return response
    }

    private func respond(_ result: SPARQLResult, request: Request, text: String, page: Bool,
                         format resultFormat: SPARQLResultFormat?) throws -> Response {
        switch result {
        case .graph(let triples, let truncated):
            var response = try LinkedDataResponse.make(triples, request: request, cacheSeconds: 0, base: iris.base)
            response.headers[.cacheControl] = "no-store"
            response.headers[HTTPField.Name("X-Kruispunt-Truncated")!] = truncated ? "true" : "false"
            response.headers[accessLogRowsField] = String(triples.count)
            return response
        case .bindings, .boolean:
            if page {
                return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .vary: "Accept"],
                                body: .init(byteBuffer: ByteBuffer(string: SPARQLQueryPage.results(endpoint: endpointIRI, query: text, result: result))))
            }
            let format = resultFormat ?? .json
            var headers: HTTPFields = [
                .contentType: format.mediaType + "; charset=utf-8",
                .vary: "Accept",
                .accessControlAllowOrigin: "*",
                .cacheControl: "no-store",
            ]
            headers[HTTPField.Name("X-Kruispunt-Row-Cap")!] = String(engine.rowCap)
            if case .bindings(_, let rows, let truncated) = result {
                headers[HTTPField.Name("X-Kruispunt-Truncated")!] = truncated ? "true" : "false"
                headers[accessLogRowsField] = String(rows.count)
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: format.write(result))))
        }
    }

    /// Why a query may not run for this reader: it names a restricted observation, member or
    /// graph that is not among the graphs it may read (every one, for a reader with none).
    static func restrictedRefusal(_ query: SPARQLQuery, text: String, readable: RestrictedGraphs?) -> String? {
        guard let readable else {
            guard text.contains(ObservationMapping.restrictedPrefix)
                    || ((query.from ?? []) + (query.fromNamed ?? [])).contains(where: { $0.contains(ObservationMapping.restrictedPrefix) })
            else { return nil }
            return "Beperkte observaties zijn enkel bevraagbaar door analisten van een stad met een doelbinding / "
                + "restricted observations are open to SPARQL only for an analyst whose city holds the purpose"
        }
        var iris = (query.from ?? []) + (query.fromNamed ?? [])
        for case .iri(let iri) in SPARQLEngine.fixedTerms(query) { iris.append(iri) }
        if case .describe(let targets) = query.form {
            for case .term(.iri(let iri)) in targets { iris.append(iri) }
        }
        for iri in iris {
            guard let (metric, feature) = RestrictedRoutes.named(in: iri) else { continue }
            guard readable.metrics.contains(metric), readable.features.contains(feature) else {
                return "Geen toegang tot \(iri) / not among the restricted observations your city may read (its purposes, its own cameras and zones)"
            }
        }
        return nil
    }

    // MARK: - Service description and query page

    private func describe(_ request: Request) throws -> Response {
        if ContentNegotiation.prefersHTML(accept: request.headers[.accept], format: request.uri.queryParameters.get("format")) {
            return LinkedDataResponse.conditional(SPARQLQueryPage.html(endpoint: endpointIRI, examples: examples), contentType: "text/html; charset=utf-8",
                                                  request: request, cacheSeconds: 600, vary: true)
        }
        return try LinkedDataResponse.make(serviceDescription, request: request, cacheSeconds: 600, base: iris.base)
    }

    /// `sd:Service`: the language, result formats, the union default graph and the limits.
    var serviceDescription: [Triple] {
        let s = Term.iri(endpointIRI), formats = "http://www.w3.org/ns/formats/"
        let dataset = Term.blank("dataset"), graph = Term.blank("defaultGraph")
        var triples = [
            Triple(s, .iri(RDF.type), .iri(SD.ns + "Service")),
            Triple(s, .iri(SD.ns + "endpoint"), s),
            Triple(s, .iri(SD.ns + "supportedLanguage"), .iri(SD.ns + "SPARQL11Query")),
            Triple(s, .iri(SD.ns + "feature"), .iri(SD.ns + "UnionDefaultGraph")),
            Triple(s, .iri(SD.ns + "defaultDataset"), dataset),
            Triple(dataset, .iri(RDF.type), .iri(SD.ns + "Dataset")),
            Triple(dataset, .iri(SD.ns + "defaultGraph"), graph),
            Triple(graph, .iri(RDF.type), .iri(SD.ns + "Graph")),
            Triple(s, .iri(DCT.title), .lang("SPARQL-lite van Kruispunt", "nl")),
            Triple(s, .iri(DCT.title), .lang("Kruispunt SPARQL-lite", "en")),
            Triple(s, .iri(DCT.description), .lang("""
                Een deelverzameling van SPARQL 1.1 Query, volledig uitgevoerd in PostgreSQL. De standaardgraaf is de unie van alle \
                grafen. Niet ondersteund: property paths, MINUS, EXISTS, SERVICE, subqueries, VALUES na GROUP BY, updates (antwoord 400).
                """, "nl")),
            Triple(s, .iri(DCT.description), .lang("""
                A subset of SPARQL 1.1 Query, run entirely in PostgreSQL. The default graph is the union of all graphs. Not \
                supported: property paths, MINUS, EXISTS, SERVICE, subqueries, VALUES after GROUP BY, updates (answered 400).
                """, "en")),
            Triple(s, .iri(KP.ns + "rowCap"), .integer(engine.rowCap)),
            Triple(s, .iri(KP.ns + "timeoutMilliseconds"), .integer(engine.timeoutMillis)),
            Triple(s, .iri(KP.ns + "maxQueryCharacters"), .integer(engine.maxQueryLength)),
            Triple(s, .iri(KP.ns + "queriesPerClient"), .integer(running.perClient)),
        ]
        for f in ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD"] {
            triples.append(Triple(s, .iri(SD.ns + "resultFormat"), .iri(formats + f)))
        }
        return triples
    }

    // MARK: - Helpers

    /// The client a query counts against: the first `X-Forwarded-For` address (set by the
    /// reverse proxy in front), else every direct client together.
    static func client(_ request: Request) -> String {
        BearerToken.forwardedFor(request) ?? "direct"
    }

    static func values(_ name: String, request: Request, form: String?) -> [String] {
        if let form { return RequestParameters.formValues(name, in: form) }
        return request.uri.queryParameters.getAll(name).map { String($0) }
    }

    static func refusal(_ request: Request, _ error: SPARQLError) -> Response {
        var fields: [(String, String)] = [("error", error.kind == .syntax ? "syntax" : "unsupported"), ("message", error.description)]
        if let feature = error.feature { fields.append(("feature", feature)) }
        if let line = error.line { fields.append(("line", String(line))) }
        if let column = error.column { fields.append(("column", String(column))) }
        return Self.error(request, status: .badRequest, message: error.description, fields: fields)
    }

    /// An error as JSON when the client reads JSON, else as plain text.
    static func error(_ request: Request, status: HTTPResponse.Status, message: String, fields: [(String, String)] = []) -> Response {
        let accept = (request.headers[.accept] ?? "").lowercased()
        if accept.contains("json") {
            let all = fields.isEmpty ? [("message", message)] : fields
            let body = "{" + all.map { k, v in
                JSONText.quoted(k) + ": " + (k == "line" || k == "column" ? v : JSONText.quoted(v))
            }.joined(separator: ", ") + "}\n"
            return Response(status: status, headers: [.contentType: "application/json", .accessControlAllowOrigin: "*"],
                            body: .init(byteBuffer: ByteBuffer(string: body)))
        }
        return Response(status: status, headers: [.contentType: "text/plain; charset=utf-8", .accessControlAllowOrigin: "*"],
                        body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    static func notAcceptable() -> Response {
        let offered = SPARQLResultFormat.allCases.map(\.mediaType).joined(separator: ", ")
        return LinkedDataResponse.text("Geen aanvaardbaar formaat. Beschikbaar / available: \(offered)\n", status: .notAcceptable)
    }
}

/// How many queries each client has running, to answer 429 past a bound.
final class RunningQueries: Sendable {
    let perClient: Int
    private let counts = Mutex<[String: Int]>([:])

    init(perClient: Int) { self.perClient = perClient }

    func enter(_ client: String) -> Bool {
        counts.withLock { counts in
            let n = counts[client, default: 0]
            guard n < perClient else { return false }
            counts[client] = n + 1
            return true
        }
    }

    func leave(_ client: String) {
        counts.withLock { counts in
            let n = counts[client, default: 1] - 1
            counts[client] = n > 0 ? n : nil
        }
    }
}
