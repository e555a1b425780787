import KruispuntRDF
import KruispuntStore

/// A camera's series of one metric (`/timeseries/{camera}/{metric}?period=hour|day&from=&to=`):
/// the latest published version of each observation, as the store holds it, a `hydra:Collection`
/// paged by local days (`from` inclusive, `to` exclusive, `YYYY-MM-DD`): at most 7 days per page
/// for hours and 366 for days, linked by `hydra:first`/`next`/`previous` within the days the
/// treatment covered. Suppressed values stay suppressed (`kp:suppressed true`), withdrawn ones
/// are left out.
public struct TimeSeries: Sendable {
    /// The metrics a camera has a series of: path segment, stream, Dutch and English title.
    public static let metrics: [(slug: String, stream: String, nl: String, en: String)] = [
        ("vehicle-count", "vehicle-counts", "Voertuigtelling", "Vehicle count"),
        ("unique-vehicles", "unique-vehicles", "Unieke voertuigen", "Unique vehicles"),
        ("speed", "speeds", "Snelheid", "Speed"),
        ("vehicle-type", "vehicle-types", "Voertuigtypes", "Vehicle types"),
    ]

    public enum Period: String, Sendable { case hour, day }

    public let camera: String
    public let metric: String
    public let period: Period
    /// The page's local days, as day numbers (days since 1970-01-01).
    public let fromDay: Int
    public let toDay: Int
    public let iris: IRIScheme

    /// The longest page, in days.
    var window: Int { period == .hour ? 7 : 366 }

    /// The index at `/timeseries`: a `hydra:search` template for any series and, as members,
    /// each camera's series (hourly) of every metric.
    public static func index(iris: IRIScheme, on db: Connection) throws -> [Triple] {
        let index = Term.iri(iris.base + "/timeseries"), search = Term.blank("search")
        var t = [
            Triple(index, .iri(RDF.type), .iri(Hydra.Collection)),
            Triple(index, .iri(DCT.title), .lang("Tijdreeksen per camera", "nl")),
            Triple(index, .iri(DCT.title), .lang("Time series per camera", "en")),
            Triple(index, .iri(Hydra.search), search),
            Triple(search, .iri(RDF.type), .iri(Hydra.IriTemplate)),
            Triple(search, .iri(Hydra.template), .string(iris.base + "/timeseries/{camera}/{metric}{?period,from,to}")),
        ]
        for (n, variable) in ["camera", "metric", "period", "from", "to"].enumerated() {
            let mapping = Term.blank("mapping\(n)")
            t += [Triple(search, .iri(Hydra.mapping), mapping), Triple(mapping, .iri(Hydra.variable), .string(variable)),
                  Triple(mapping, .iri(Hydra.required), .boolean(n < 2))]
        }
        for row in try db.query("SELECT camera_id FROM cameras ORDER BY camera_id") {
            guard let camera = row[0] else { continue }
            for metric in metrics {
                t.append(Triple(index, .iri(Hydra.member),
                                .iri(iris.base + "/timeseries/" + IRIScheme.segment(camera) + "/" + metric.slug + "?period=hour")))
            }
        }
        return t
    }

    /// A page from the request; `lastDay` is the last day with data (the default end).
    /// Throws `TimeSeriesError` on a malformed parameter.
    public init(camera: String, metric: String, query: [String: String], lastDay: Int, iris: IRIScheme) throws {
        guard Self.metrics.contains(where: { $0.slug == metric }) else {
            throw TimeSeriesError(notFound: true, "Onbekende reeks / unknown series: \(metric) (" +
                                  Self.metrics.map(\.slug).joined(separator: ", ") + ")")
        }
        guard let period = Period(rawValue: query["period"] ?? "hour") else {
            throw TimeSeriesError("period moet hour of day zijn / period must be hour or day")
        }
        func day(_ name: String) throws -> Int? {
            guard let text = query[name], !text.isEmpty else { return nil }
            guard let p = TimePeriod(name: text), p.unit == .day else {
                throw TimeSeriesError("\(name) moet een datum JJJJ-MM-DD zijn / \(name) must be a date YYYY-MM-DD: \(text)")
            }
            return p.dayNumber
        }
        (self.camera, self.metric, self.period, self.iris) = (camera, metric, period, iris)
        let window = period == .hour ? 7 : 366
        let from = try day("from"), to = try day("to")
        switch (from, to) {
        case let (f?, t?): (fromDay, toDay) = (f, min(t, f + window))
        case let (f?, nil): (fromDay, toDay) = (f, f + window)
        case let (nil, t?): (fromDay, toDay) = (t - window, t)
        case (nil, nil): (fromDay, toDay) = (lastDay + 1 - window, lastDay + 1)
        }
        guard fromDay < toDay else { throw TimeSeriesError("from moet voor to liggen / from must be before to") }
    }

    var stream: String { Self.metrics.first { $0.slug == metric }!.stream }
    public var collectionIRI: String { iris.base + "/timeseries/" + IRIScheme.segment(camera) + "/" + metric + "?period=" + period.rawValue }
    public var pageIRI: String { pageIRI(fromDay, toDay) }
    func pageIRI(_ from: Int, _ to: Int) -> String { collectionIRI + "&from=" + Self.date(from) + "&to=" + Self.date(to) }

    static func date(_ day: Int) -> String { TimePeriod(containing: Int64(day) * 86_400_000, unit: .day).name }

    /// One point of the series, for CSV.
    public struct Point: Sendable, Equatable {
        public var begin: String, end: String, value: String, suppressed: Bool, qualifier: String
        public var observation: String, member: String

        public init(begin: String, end: String, value: String, suppressed: Bool, qualifier: String, observation: String, member: String) {
            (self.begin, self.end, self.value, self.suppressed) = (begin, end, value, suppressed)
            (self.qualifier, self.observation, self.member) = (qualifier, observation, member)
        }
    }

    /// The page's triples (collection, view with links, each member's published triples) and
    /// its points in chronological order. `firstDay` and `lastDay` are the days with data.
    public func page(firstDay: Int, lastDay: Int, on db: Connection) throws -> (triples: [Triple], points: [Point]) {
        let prefix = metric + "/camera/" + IRIScheme.segment(camera) + "/" + period.rawValue + "/"
        let versions = try PublishedState.versions(prefix: prefix, fromDay: Self.date(fromDay), toDay: Self.date(toDay), on: db)
        let observationBase = iris.base + "/id/observation/"
        let members = versions.map { Term.iri(observationBase + $0.path + "/v" + String($0.version)) }
        let ids = try QuadStore.lookup(members, on: db)
        let byMember = try QuadStore.graphs(members.compactMap { ids[$0] }, on: db)
        let collection = Term.iri(collectionIRI), page = Term.iri(pageIRI)
        let names = Self.metrics.first { $0.slug == metric }!
        let unit = period == .hour ? ("per uur", "per hour") : ("per dag", "per day")
        var triples = [
            Triple(collection, .iri(RDF.type), .iri(Hydra.Collection)),
            Triple(collection, .iri(DCT.title), .lang("\(names.nl) \(unit.0), camera \(camera)", "nl")),
            Triple(collection, .iri(DCT.title), .lang("\(names.en) \(unit.1), camera \(camera)", "en")),
            Triple(collection, .iri(DCT.isPartOf), .iri(iris.stream(stream))),
            Triple(collection, .iri(Hydra.view), page),
            Triple(page, .iri(RDF.type), .iri(Hydra.PartialCollectionView)),
            Triple(page, .iri(Hydra.first), .iri(pageIRI(firstDay, min(firstDay + window, lastDay + 1)))),
        ]
        if toDay <= lastDay { triples.append(Triple(page, .iri(Hydra.next), .iri(pageIRI(toDay, toDay + window)))) }
        if fromDay > firstDay { triples.append(Triple(page, .iri(Hydra.previous), .iri(pageIRI(max(firstDay, fromDay - window), fromDay)))) }
        var points: [Point] = []
        for member in members {
            guard let described = ids[member].flatMap({ byMember[$0] })?.map(\.triple), case .iri(let memberIRI) = member else { continue }
            triples.append(Triple(collection, .iri(Hydra.member), member))
            triples += described
            points.append(Self.point(memberIRI, described))
        }
        points.sort { ($0.begin, $0.qualifier) < ($1.begin, $1.qualifier) }
        return (triples, points)
    }

    /// A member's point: its interval, result (or suppression) and qualifier.
    static func point(_ member: String, _ triples: [Triple]) -> Point {
        func object(_ s: Term, _ p: String) -> Term? { triples.first { $0.subject == s && $0.predicate == .iri(p) }?.object }
        func lexical(_ t: Term?) -> String { if case .literal(let v, _, _)? = t { return v } else { return "" } }
        let m = Term.iri(member)
        let interval = object(m, SOSA.phenomenonTime)
        let begin = interval.flatMap { object($0, OWLTime.hasBeginning) }.flatMap { object($0, OWLTime.inXSDDateTimeStamp) }
        let end = interval.flatMap { object($0, OWLTime.hasEnd) }.flatMap { object($0, OWLTime.inXSDDateTimeStamp) }
        var qualifier = lexical(object(m, KP.vehicleType))
        if qualifier.isEmpty, case .iri(let f)? = object(m, COT.usingFunction), !f.hasSuffix("#Count") {
            qualifier = String(f.split(whereSeparator: { $0 == "#" || $0 == "/" }).last ?? "")
        }
        var observation = ""
        if case .iri(let o)? = object(m, DCT.isVersionOf) { observation = o }
        return Point(begin: lexical(begin), end: lexical(end), value: lexical(object(m, SOSA.hasSimpleResult)),
                     suppressed: lexical(object(m, KP.suppressed)) == "true", qualifier: qualifier,
                     observation: observation, member: member)
    }

    /// The points as CSV (RFC 4180): begin, end, value, suppressed, qualifier, observation, member.
    public static func csv(_ points: [Point]) -> String {
        var out = "begin,end,value,suppressed,qualifier,observation,member\r\n"
        for p in points {
            out += [p.begin, p.end, p.value, p.suppressed ? "true" : "false", p.qualifier, p.observation, p.member]
                .map(csvField).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func csvField(_ s: String) -> String {
        s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\"" : s
    }
}

/// A time series request that cannot be answered: 400, or 404 when nothing by that name exists.
public struct TimeSeriesError: Error, Sendable {
    public let message: String
    public let notFound: Bool
    public init(notFound: Bool = false, _ message: String) {
        self.message = message
        self.notFound = notFound
    }
}
