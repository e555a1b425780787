import Foundation
import KruispuntRDF
import KruispuntSPARQL
@testable import KruispuntStore
import Logging
import Testing

/// The observation index answers exactly what the quads answer. Observations of every awkward
/// shape (a slot with two terms, split over graphs, a shared interval, a repeated triple,
/// results that are not numbers, instants equal in value but not in form) go through every
/// write path (small loads, a load table, graph replacement, retention); after each, a set of
/// queries gives the same answers with and without the index, and the index equals one rebuilt
/// from scratch.
@Suite(.serialized) struct ObservationIndexTests {
    static let ex = "http://example.org/"
    static let prefixes = """
        PREFIX sosa: <\(SOSA.ns)>
        PREFIX time: <\(OWLTime.ns)>
        PREFIX cot: <\(COT.ns)>
        PREFIX xsd: <\(XSD.ns)>
        PREFIX ex: <\(ex)>

        """
    static let star = """
        ?o sosa:madeBySensor ?sensor ; sosa:hasSimpleResult ?v ; sosa:phenomenonTime ?i .
        ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start .
        """
    static let queries: [String] = [
        "SELECT ?o ?sensor ?v ?start WHERE { \(star) }",
        """
        SELECT ?sensor (SUM(?v) AS ?total) (COUNT(*) AS ?n) (MAX(?start) AS ?last) (MIN(?v) AS ?low) (AVG(?v) AS ?mean) WHERE {
          \(star) FILTER (?start >= "2026-03-01T02:00:00Z"^^xsd:dateTime && ?start < "2026-03-02T12:00:00+01:00"^^xsd:dateTime)
        } GROUP BY ?sensor
        """,
        "SELECT ?v ?start WHERE { ex:obs3 sosa:hasSimpleResult ?v ; sosa:phenomenonTime ?i . ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start }",
        "SELECT ?o ?x WHERE { ?o sosa:madeBySensor ?x ; sosa:hasFeatureOfInterest ?x }",
        "SELECT ?o ?e ?end WHERE { ?o sosa:phenomenonTime ?i ; sosa:hasSimpleResult ?v . ?i time:hasEnd ?e ; a time:Interval . ?e time:inXSDDateTimeStamp ?end }",
        "SELECT ?o ?v ?s ?f WHERE { ?o sosa:hasSimpleResult ?v ; sosa:observedProperty ?p OPTIONAL { ?o sosa:madeBySensor ?s ; sosa:hasFeatureOfInterest ?f } }",
        "SELECT ?o ?c ?v WHERE { { ?o sosa:madeBySensor ?c ; sosa:hasSimpleResult ?v } UNION { ?o sosa:hasFeatureOfInterest ?c ; sosa:hasSimpleResult ?v } }",
        "SELECT ?g ?o ?v WHERE { GRAPH ?g { ?o sosa:hasSimpleResult ?v ; sosa:madeBySensor ?c } }",
        "SELECT ?o ?v WHERE { ?o sosa:observedProperty cot:passedByVehiclesCount ; sosa:hasSimpleResult ?v FILTER (?v > 10) }",
        "SELECT ?o WHERE { ?o sosa:hasSimpleResult ?v ; sosa:madeBySensor ?c FILTER (?v >= 5 && ?v < 30.5) }",
        "SELECT ?o ?w WHERE { ?o sosa:hasSimpleResult ?v ; cot:usingFunction ?f BIND (?v * 2 AS ?w) }",
        "SELECT ?o ?start WHERE { \(star) } ORDER BY DESC(?start) ?o LIMIT 7",
        "SELECT DISTINCT ?sensor WHERE { \(star) }",
        "ASK { ?o sosa:madeBySensor ex:C2 ; sosa:hasSimpleResult 14 }",
        "SELECT (COUNT(DISTINCT ?i) AS ?n) (MAX(?v) AS ?top) (SAMPLE(?p) AS ?any) WHERE { ?o sosa:phenomenonTime ?i ; sosa:hasSimpleResult ?v ; cot:hasAggregationPeriod ?p }",
        "SELECT ?o ?start ?hour WHERE { \(star) BIND (HOURS(?start) AS ?hour) FILTER (?hour < 5) }",
        "SELECT ?a ?b WHERE { ?a sosa:phenomenonTime ?i ; sosa:madeBySensor ?s . ?b sosa:phenomenonTime ?i ; sosa:madeBySensor ?t FILTER (?a != ?b) }",
        // An optional slot read from the index's row (`optionalSlot`): unbound where the subject has none.
        "SELECT ?o ?sensor ?v WHERE { ?o sosa:madeBySensor ?sensor ; sosa:phenomenonTime ?i OPTIONAL { ?o sosa:hasSimpleResult ?v } }",
        """
        SELECT ?sensor (SUM(COALESCE(?v, 0)) AS ?total) (COUNT(*) - COUNT(?v) AS ?withheld) WHERE {
          ?o sosa:madeBySensor ?sensor ; sosa:phenomenonTime ?i . ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start
          OPTIONAL { ?o sosa:hasSimpleResult ?v } FILTER (!BOUND(?v) || ?v > 3)
        } GROUP BY ?sensor
        """,
        "SELECT ?o ?f WHERE { ?o sosa:hasSimpleResult ?v ; sosa:madeBySensor ?s OPTIONAL { ?o sosa:hasFeatureOfInterest ?f } }",
        // The extremes of each group, read from their candidate rows (`GroupExtremum`).
        "SELECT ?sensor (MAX(?start) AS ?last) WHERE { \(star) } GROUP BY ?sensor",
        "SELECT ?sensor (MAX(?start) AS ?last) WHERE { \(star) VALUES ?sensor { ex:C2 ex:C3 ex:nowhere } } GROUP BY ?sensor",
        "SELECT ?sensor (MIN(?start) AS ?first) (STR(MAX(?start)) AS ?last) (SAMPLE(?start) AS ?any) WHERE { \(star) } GROUP BY ?sensor ORDER BY DESC(MAX(?start)) ?sensor",
        """
        SELECT ?f (MIN(?start) AS ?first) WHERE {
          ?o sosa:hasFeatureOfInterest ?f ; sosa:observedProperty cot:passedByVehiclesCount ; sosa:phenomenonTime ?i .
          ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start
        } GROUP BY ?f
        """,
    ]
    /// The query whose plan reads only the candidate rows of each group.
    static let latestPerSensor = queries.firstIndex { $0.hasPrefix("SELECT ?sensor (MAX(?start) AS ?last)") }!

    /// One observation's triples, in its own graph unless said otherwise.
    static func observation(_ n: Int, sensor: Int?, result: Term, hour: Int, offset: String = "Z",
                            interval: Term? = nil, graph: String? = nil) -> [Quad] {
        let o = Term.iri(ex + "obs\(n)"), g = Term.iri(graph ?? ex + "g\(n)")
        let i = interval ?? .blank("i\(n)"), b = Term.blank("b\(n)"), e = Term.blank("e\(n)")
        let day = 1 + hour / 24, h = hour % 24
        func stamp(_ hh: Int) -> Term {
            if offset == "Z" { return .typed(String(format: "2026-03-%02dT%02d:00:00Z", day, hh), XSD.dateTimeStamp) }
            return .typed(String(format: "2026-03-%02dT%02d:00:00%@", day, (hh + 1) % 24, offset), XSD.dateTimeStamp)
        }
        var t: [(Term, String, Term)] = [
            (o, SOSA.observedProperty, .iri(n % 3 == 0 ? COT.passedByVehiclesCount : COT.passedByUniqueVehiclesCount)),
            (o, SOSA.hasFeatureOfInterest, .iri(ex + (n % 2 == 0 ? "C\(sensor ?? 0)" : "Z1"))),
            (o, COT.hasAggregationPeriod, .iri(COT.Hourly)), (o, COT.usingFunction, .iri(COT.Count)),
            (o, SOSA.hasSimpleResult, result), (o, SOSA.phenomenonTime, i), (i, RDF.type, .iri(OWLTime.Interval)),
            (i, OWLTime.hasBeginning, b), (i, OWLTime.hasEnd, e), (b, OWLTime.inXSDDateTimeStamp, stamp(h)),
            (e, OWLTime.inXSDDateTimeStamp, stamp(min(h, 22) + 1)),
        ]
        if let sensor { t.append((o, SOSA.madeBySensor, .iri(ex + "C\(sensor)"))) }
        return t.map { Quad($0.0, .iri($0.1), $0.2, g) }
    }

    static var awkward: [Quad] {
        var q: [Quad] = []
        for n in 0..<40 {
            let result: Term = n % 7 == 6 ? .typed("\(n).5", XSD.decimal) : .integer(n * 7 % 50)
            q += observation(n, sensor: n % 9 == 4 ? nil : n % 5, result: result, hour: n)
        }
        // Two results in two graphs; a second beginning; triples split over two graphs.
        q += observation(100, sensor: 1, result: .integer(3), hour: 3)
        q.append(Quad(.iri(ex + "obs100"), .iri(SOSA.hasSimpleResult), .integer(4), .iri(ex + "g100b")))
        q += observation(101, sensor: 2, result: .integer(8), hour: 4)
        q.append(Quad(.blank("i101"), .iri(OWLTime.hasBeginning), .blank("b101x"), .iri(ex + "g101")))
        q.append(Quad(.blank("b101x"), .iri(OWLTime.inXSDDateTimeStamp), .typed("2026-03-01T04:30:00Z", XSD.dateTimeStamp), .iri(ex + "g101")))
        let split = observation(102, sensor: 3, result: .integer(9), hour: 5)
        q += split.prefix(5) + split.dropFirst(5).map { Quad($0.subject, $0.predicate, $0.object, .iri(ex + "g102b")) }
        // A shared interval; a triple repeated in two graphs; results that are not numbers;
        // the same instant written two ways.
        q += observation(103, sensor: 4, result: .integer(11), hour: 6, interval: .iri(ex + "shared"))
        q += observation(104, sensor: 0, result: .integer(12), hour: 6, interval: .iri(ex + "shared")).filter { $0.subject == .iri(ex + "obs104") }
        q += observation(105, sensor: 1, result: .integer(13), hour: 7)
        q.append(Quad(.iri(ex + "obs105"), .iri(SOSA.hasSimpleResult), .integer(13), .iri(ex + "g105b")))
        q += observation(106, sensor: 2, result: .iri(ex + "unknown"), hour: 8)
        q += observation(107, sensor: 2, result: .string("n/a"), hour: 9)
        q += observation(108, sensor: 3, result: .integer(14), hour: 10, offset: "+01:00")
        // A group's latest instant written two ways; starts that are not instants (a string
        // sorts after every instant, an IRI before every literal).
        q += observation(109, sensor: 3, result: .integer(1), hour: 400)
        q += observation(110, sensor: 3, result: .integer(2), hour: 400, offset: "+01:00")
        func start(_ n: Int, _ term: Term) -> [Quad] {
            observation(n, sensor: 4, result: .integer(n), hour: 12).map {
                $0.subject == .blank("b\(n)") && $0.predicate == .iri(OWLTime.inXSDDateTimeStamp) ? Quad($0.subject, $0.predicate, term, $0.graph) : $0
            }
        }
        q += start(111, .string("onbekend")) + start(112, .iri(ex + "never"))
        return q
    }

    @Test func indexAnswersAsTheQuadsDo() throws {
        try withStore("obs") { db in
            try db.transaction { _ = try QuadStore.insert(Self.awkward, on: db) }
            try check("small loads", on: db, irregular: ["obs100", "obs101"])

            // Replacing a graph: obs100 loses its second result; obs5 gains a second sensor.
            try db.transaction {
                try QuadStore.replaceGraphs([.iri(Self.ex + "g100b"): []], on: db)
                _ = try QuadStore.insert([Quad(.iri(Self.ex + "obs5"), .iri(SOSA.madeBySensor), .iri(Self.ex + "C9"), .iri(Self.ex + "g5b"))], on: db)
            }
            try check("replaced graphs", on: db, irregular: ["obs101", "obs5"])

            // A load table (at least BulkLoad.childThreshold quads), published as stream members.
            let many = (1_000..<10_400).flatMap { Self.observation($0, sensor: $0 % 11, result: .integer($0 % 97), hour: $0 % 300) }
            #expect(many.count >= BulkLoad.childThreshold)
            try db.transaction {
                let load = try BulkLoad(intoEmptyGraphs: true, on: db)
                try load.add(many)
                _ = try load.finish()
                try StreamMemberIndex.append((1_000..<1_200).map { (stream: "s", member: .iri(Self.ex + "g\($0)"), base: .iri(Self.ex + "obs\($0)")) },
                                             generatedAt: 1_000_000, on: db)
            }
            try check("load table", on: db, irregular: ["obs101", "obs5"])

            // Retention removes the members' graphs, and with them their observations.
            try MemberRetention.purge(publishedBeforeMillis: 10_000_000, dryRun: false, on: db)
            #expect(try db.query("SELECT count(*) FROM observation_rows o JOIN terms t ON t.id = o.s WHERE t.lex = $1", [Self.ex + "obs1100"])[0][0] == "0")
            try check("retention", on: db, irregular: ["obs101", "obs5"])
        }
    }

    /// A date-time without a time zone is read in the implicit one (UTC): in the dictionary, in
    /// the index, and after the migration that dates those stored before.
    @Test func localDateTimesAndDatesAreInstantsInTheImplicitTimeZone() throws {
        try withStore("local") { db in
            let o = Term.iri(Self.ex + "local"), i = Term.blank("li"), b = Term.blank("lb"), g = Term.iri(Self.ex + "lg")
            let stamp = Term.typed("2026-03-01T10:30:00", XSD.dateTime)
            try db.transaction {
                _ = try QuadStore.insert([Quad(o, .iri(SOSA.hasSimpleResult), .integer(3), g), Quad(o, .iri(SOSA.phenomenonTime), i, g),
                                          Quad(i, .iri(OWLTime.hasBeginning), b, g), Quad(b, .iri(OWLTime.inXSDDateTimeStamp), stamp, g)], on: db)
            }
            let instant = "SELECT extract(epoch FROM ts)::bigint FROM terms WHERE lex = '2026-03-01T10:30:00'"
            let indexed = "SELECT extract(epoch FROM start_t)::bigint FROM observation_rows"
            #expect(try db.query(instant)[0][0] == "1772361000" && db.query(indexed)[0][0] == "1772361000")
            // As stored before: no instant. The migration's step dates it and rebuilds the index.
            try db.execute("UPDATE terms SET ts = NULL WHERE lex = '2026-03-01T10:30:00'; UPDATE observation_rows SET start_t = NULL")
            try db.transaction { try TypedValue.dating(XSD.dateTime, on: db) }
            #expect(try db.query(instant)[0][0] == "1772361000" && db.query(indexed)[0][0] == "1772361000")
            // Compared with zoned instants through the index: 10:30 local is 10:30Z.
            for (bounds, expected) in [(("10:29:59Z", "11:31:00+01:00"), true), (("10:30:01Z", "12:00:00Z"), false)] {
                let answer = try SPARQLEngine().execute(Self.prefixes + """
                    ASK { ?o sosa:hasSimpleResult ?v ; sosa:phenomenonTime ?i . ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?t
                          FILTER (?t > "2026-03-01T\(bounds.0)"^^xsd:dateTime && ?t < "2026-03-01T\(bounds.1)"^^xsd:dateTime) }
                    """, on: db)
                #expect(answer == .boolean(expected), "\(bounds)")
            }
            // Dates are instants too (their midnight), compared with dates only.
            let on = Term.iri(Self.ex + "on")
            try db.transaction {
                _ = try QuadStore.insert([Quad(.iri(Self.ex + "d1"), on, .typed("2026-03-01", XSD.date), g),
                                          Quad(.iri(Self.ex + "d2"), on, .typed("2026-03-01+02:00", XSD.date), g)], on: db)
            }
            for (pattern, expected) in [("<\(Self.ex)d2> <\(Self.ex)on> ?v FILTER (?v < \"2026-03-01Z\"^^xsd:date)", true),
                                        ("<\(Self.ex)d1> <\(Self.ex)on> ?v FILTER (?v < \"2026-03-01Z\"^^xsd:date)", false),
                                        ("<\(Self.ex)d1> <\(Self.ex)on> ?v FILTER (?v = \"2026-03-01Z\"^^xsd:date)", true),
                                        ("?b time:inXSDDateTimeStamp ?t FILTER (?t > \"2026-01-01\"^^xsd:date)", false)] {
                let answer = try SPARQLEngine().execute(Self.prefixes + "ASK { \(pattern) }", on: db)
                #expect(answer == .boolean(expected), "\(pattern)")
            }
            // Through the index too, where the filter's range is tested in the pattern alone.
            let dated = Term.iri(Self.ex + "dated"), di = Term.blank("di"), db_ = Term.blank("db")
            try db.transaction {
                _ = try QuadStore.insert([Quad(dated, .iri(SOSA.hasSimpleResult), .integer(4), g), Quad(dated, .iri(SOSA.phenomenonTime), di, g),
                                          Quad(di, .iri(OWLTime.hasBeginning), db_, g),
                                          Quad(db_, .iri(OWLTime.inXSDDateTimeStamp), .typed("2026-04-01", XSD.date), g)], on: db)
            }
            let star = "?o sosa:hasSimpleResult ?v ; sosa:phenomenonTime ?i . ?i time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?t"
            for (filter, expected) in [("?t >= \"2026-02-15T00:00:00Z\"^^xsd:dateTime", "\"3\""),
                                       ("?t >= \"2026-03-15\"^^xsd:date", "\"4\""),
                                       ("?t < \"2026-05-01T00:00:00Z\"^^xsd:dateTime && ?v > 2", "\"3\"")] {
                let (_, compiled) = try SPARQLEngine().compile(Self.prefixes + "SELECT ?v { \(star) FILTER (\(filter)) }", on: db)
                #expect(compiled.sql.contains("observation_rows"), "\(filter)")
                let answer = try SPARQLEngine().execute(Self.prefixes + "SELECT (GROUP_CONCAT(STR(?v)) AS ?all) { \(star) FILTER (\(filter)) }", on: db)
                guard case .bindings(_, let rows, _) = answer else { Issue.record("\(filter)"); continue }
                #expect(rows.first?.first??.ntriples == expected, "\(filter)")
            }
        }
    }

    /// A fresh embedded store with the schema, for `body`; removed afterwards.
    func withStore(_ label: String, _ body: (Connection) throws -> Void) throws {
        let dir = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("kp-\(label)-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let cluster = try EmbeddedCluster(dataDirectory: dir, logger: Logger(label: label))
        try cluster.start()
        defer { cluster.stop() }
        let db = try Connection(conninfo: cluster.conninfo)
        try Migrations.apply(on: db)
        try body(db)
    }

    /// Same answers with and without the index, the index used, and equal to a rebuilt one.
    func check(_ step: String, on db: Connection, irregular: Set<String>) throws {
        var indexed = SPARQLEngine(rowCap: 100_000)
        var plain = indexed
        plain.observationIndex = false
        indexed.observationIndex = true
        for q in Self.queries {
            let text = Self.prefixes + q
            let a = try indexed.execute(text, on: db), b = try plain.execute(text, on: db)
            #expect(Self.normalised(a, ordered: q.contains("ORDER BY")) == Self.normalised(b, ordered: q.contains("ORDER BY")),
                    "\(step): \(q)")
        }
        let (_, compiled) = try indexed.compile(Self.prefixes + Self.queries[1], on: db)
        #expect(compiled.sql.contains("observation_rows"), "\(step): the index is not used")
        let (_, latest) = try indexed.compile(Self.prefixes + Self.queries[Self.latestPerSensor], on: db)
        #expect(latest.sql.contains("WITH RECURSIVE"), "\(step): the latest start per sensor reads every row")
        let chosen = Self.queries.first { $0.contains("VALUES ?sensor { ex:C2") }!
        let (_, some) = try indexed.compile(Self.prefixes + chosen, on: db)
        #expect(some.sql.contains("WITH RECURSIVE"), "\(step): the latest start of chosen sensors reads every row")
        if case .bindings(_, let rows, _) = try indexed.execute(Self.prefixes + chosen, on: db) {
            #expect(rows.count == 2, "\(step): C2 and C3 have observations")
        }
        #expect(!compiled.sql.contains("WITH RECURSIVE"), "\(step): a sum read from candidate rows only")

        let listed = Set(try db.query("SELECT t.lex FROM observation_irregular i JOIN terms t ON t.id = i.s").compactMap { $0[0] })
        #expect(listed == Set(irregular.map { Self.ex + $0 }), "\(step): irregular \(listed.sorted())")
        let snapshot = "SELECT * FROM observation_rows ORDER BY s"
        let rows = try db.query(snapshot), marked = try db.query("SELECT s FROM observation_irregular ORDER BY s")
        try db.transaction { try ObservationIndex.rebuild(on: db) }

        #expect(try db.query(snapshot) == rows, "\(step): the index differs from a rebuilt one")
        #expect(try db.query("SELECT s FROM observation_irregular ORDER BY s") == marked, "\(step): irregular subjects differ")
    }

    /// Rows as comparable text: sorted unless the query orders them.
    static func normalised(_ result: SPARQLResult, ordered: Bool) -> [String] {
        switch result {
        case .boolean(let b): return [String(b)]
        case .graph(let triples, _): return triples.map { "\($0)" }.sorted()
        case .bindings(let variables, let rows, _):
            let lines = rows.map { row in zip(variables, row).map { "\($0)=\($1?.ntriples ?? "-")" }.joined(separator: " ") }
            return ordered ? lines : lines.sorted()
        }
    }
}
