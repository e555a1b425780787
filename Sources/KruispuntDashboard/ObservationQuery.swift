/// A SPARQL-lite query over observations, kept in parts so that the same pattern gives the
/// SELECT a chart is drawn from and the CONSTRUCT of the observations behind it (the JSON-LD and
/// Turtle downloads).
struct ObservationQuery: Sendable {
    static let prefixes = """
        PREFIX sosa: <http://www.w3.org/ns/sosa/>
        PREFIX time: <http://www.w3.org/2006/time#>
        PREFIX cot: <https://w3id.org/cityofthings#>
        PREFIX kp: <https://w3id.org/kruispunt#>
        PREFIX dct: <http://purl.org/dc/terms/>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX geo: <http://www.opengis.net/ont/geosparql#>
        PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>

        """

    /// Triple patterns every solution matches (`?o sosa:madeBySensor ?camera`), without the dot.
    var triples: [String] = []
    /// Triple patterns in an OPTIONAL each (the result). An observation without a result is a
    /// withheld one (the shape allows a result or `kp:suppressed true`), so queries count those
    /// as `COUNT(*) - COUNT(?v)`: the flag needs no join of its own.
    var optional: [String] = []
    /// VALUES blocks, BINDs and FILTERs, written out as they stand.
    var constraints: [String] = []
    var select = "*"
    var groupBy: String?
    var orderBy: String?
    var limit: Int?

    /// The vehicles of a group of cells, and how many of them are withheld (those without a
    /// result), for `SELECT ?keys \(totals)`.
    static let totals = "(SUM(COALESCE(?v, 0)) AS ?vehicles) (COUNT(*) - COUNT(?v) AS ?withheld)"
    /// One cell's value and whether it is withheld (1) or not (0).
    static let cell = "?v (IF(BOUND(?v), 0, 1) AS ?hidden)"

    /// Sums the cells per `keys` (variables, written as in GROUP BY) in the order `order`.
    mutating func total(by keys: String, order: String? = nil) {
        select = keys + " " + Self.totals
        groupBy = keys
        orderBy = order ?? keys
    }

    /// The usual start of an observation query: the observation, its property, period and start.
    static func observations(property: String, period: String, feature: String = "?camera",
                             via: String = "sosa:madeBySensor") -> ObservationQuery {
        var q = ObservationQuery()
        q.triples = [
            "?o \(via) \(feature)",
            "?o sosa:observedProperty \(property)",
            "?o cot:hasAggregationPeriod \(period)",
            "?o sosa:phenomenonTime ?i",
            "?i time:hasBeginning ?b",
            "?b time:inXSDDateTimeStamp ?start",
        ]
        q.optional = ["?o sosa:hasSimpleResult ?v"]
        q.latestOnly()
        return q
    }

    /// Keeps the latest version of each observation: a version the treatment superseded links
    /// to its successor (`dct:isReplacedBy`, graph `BASE/graph/versions`).
    mutating func latestOnly() {
        optional.append("?o dct:isReplacedBy ?newer")
        constraints.append("FILTER (!BOUND(?newer))")
    }

    private var body: String {
        var lines = triples.map { "  \($0) ." }
        lines += optional.map { "  OPTIONAL { \($0) }" }
        lines += constraints.map { "  \($0)" }
        return lines.joined(separator: "\n")
    }

    var sparql: String {
        var s = Self.prefixes + "SELECT \(select) WHERE {\n\(body)\n}"
        if let groupBy { s += "\nGROUP BY \(groupBy)" }
        if let orderBy { s += "\nORDER BY \(orderBy)" }
        if let limit { s += "\nLIMIT \(limit)" }
        return s
    }

    /// The observations behind the answer, as RDF (no aggregation, no order).
    var construct: String {
        let template = (triples + optional + ["?o kp:suppressed ?withheld"]).map { "  \($0) ." }.joined(separator: "\n")
        return Self.prefixes + "CONSTRUCT {\n\(template)\n} WHERE {\n\(body)\n  OPTIONAL { ?o kp:suppressed ?withheld }\n}"
    }

    // MARK: - Filters

    /// `<iri>` for SPARQL.
    static func iri(_ s: String) -> String { "<\(s)>" }

    /// Narrows to a period of local days (from the start of `from` to the start of the day after
    /// `to`), to some weekdays and, for hourly observations, to some hours of the day.
    mutating func restrict(from: LocalDay, to: LocalDay, weekdays: [Int] = [], hours: ClosedRange<Int>? = nil) {
        constraints.append("FILTER (?start >= \"\(from.startLexical)\"^^xsd:dateTime && ?start < \"\(to.adding(1).startLexical)\"^^xsd:dateTime)")
        if !weekdays.isEmpty && weekdays.count < 7 {
            let days = stride(from: from.number, through: to.number, by: 1).map(LocalDay.init).filter { weekdays.contains($0.weekday) }
            let list = days.isEmpty ? "0" : days.map { String($0.compact) }.joined(separator: ", ")
            constraints.append("FILTER (YEAR(?start) * 10000 + MONTH(?start) * 100 + DAY(?start) IN (\(list)))")
        }
        if let hours, hours != 0...23 {
            constraints.append("FILTER (HOURS(?start) >= \(hours.lowerBound) && HOURS(?start) <= \(hours.upperBound))")
        }
    }

    /// Narrows a variable to some IRIs (nothing when `iris` is nil: no restriction).
    mutating func values(_ variable: String, _ iris: [String]?) {
        guard let iris else { return }
        let list = iris.isEmpty ? "<urn:kruispunt:none>" : iris.map(Self.iri).joined(separator: " ")
        constraints.append("VALUES ?\(variable) { \(list) }")
    }
}
