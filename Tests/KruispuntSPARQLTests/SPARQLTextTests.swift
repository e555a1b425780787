@testable import KruispuntSPARQL
import KruispuntRDF
import Testing

/// What the parser says about a query before and besides rasqal: features outside the subset
/// named with their position, content negotiation of result formats, and the algebra of a few
/// shapes whose translation is easy to get wrong.
@Suite struct SPARQLTextTests {
    @Test func unsupportedFeaturesAreNamedWhereTheyStand() {
        let cases: [(String, String, Int, Int)] = [
            ("SELECT * WHERE {\n  ?s ?p ?o\n  MINUS { ?s a ?c }\n}", "MINUS", 3, 3),
            ("SELECT * WHERE { ?s <http://ex.org/p>/<http://ex.org/q> ?o }", "property path", 1, 38),
            ("SELECT * WHERE { ?s ex:p* ?o }", "property path", 1, 25),
            ("SELECT * WHERE { ?s ^ex:p ?o }", "property path", 1, 21),
            ("SELECT * WHERE { FILTER NOT EXISTS { ?s ?p ?o } }", "EXISTS", 1, 29),
            ("# MINUS in a comment\nDELETE WHERE { ?s ?p ?o }", "SPARQL Update", 2, 1),
        ]
        for (text, feature, line, column) in cases {
            let error = QueryText.unsupportedFeature(text)
            #expect(error?.feature == feature, "\(text)")
            #expect(error?.line == line && error?.column == column, "\(text): \(String(describing: error))")
        }
        // A shape rasqal parses but merges into another.
        let nested = QueryText.misreadByRasqal("SELECT * { ?b ?p ?t OPTIONAL {\n  { ?b ?q ?v . FILTER (?t = 1) } . } }")
        #expect(nested?.feature == "a FILTER in a group nested directly inside OPTIONAL" && nested?.line == 2 && nested?.column == 16)
        for text in ["SELECT * { ?b ?p ?t OPTIONAL { { ?b ?q ?v FILTER (?t = 1) } ?b ?r ?w } }",
                     "SELECT * { ?b ?p ?t OPTIONAL { { ?b ?q ?v { FILTER (?t = 1) } } } }",
                     "SELECT * { ?b ?p ?t OPTIONAL { ?b ?q ?v FILTER (?t = 1) } }"] {
            #expect(QueryText.misreadByRasqal(text) == nil, "\(text)")
        }
        // Strings, IRIs, comments and arithmetic are not features.
        for text in ["SELECT * WHERE { ?s ?p \"MINUS / EXISTS\" . FILTER (?a / 2 > ?b * 3) }",
                     "SELECT * WHERE { ?s <http://ex.org/a/b> ?o } # SERVICE",
                     "SELECT (COUNT(*) AS ?n) WHERE { ?s a ?c } ORDER BY ?n LIMIT 5"] {
            #expect(QueryText.unsupportedFeature(text) == nil, "\(text)")
        }
    }

    @Test func aCommentMayEndTheQueryText() throws {
        // rasqal alone refuses a final comment without a line break.
        let query = try SPARQLEngine(rowCap: 10, timeoutMillis: 1_000).parse("SELECT ?s WHERE { ?s ?p ?o } LIMIT 3 # the end")
        #expect(query.limit == 3)
    }

    @Test func resultFormatsByAcceptOrParameter() {
        #expect(SPARQLResultFormat.negotiate(accept: nil, format: nil) == .json)
        #expect(SPARQLResultFormat.negotiate(accept: "text/csv", format: nil) == .csv)
        #expect(SPARQLResultFormat.negotiate(accept: "text/html, application/sparql-results+xml;q=0.9, */*;q=0.1", format: nil) == .xml)
        #expect(SPARQLResultFormat.negotiate(accept: "text/html", format: nil) == nil)
        #expect(SPARQLResultFormat.negotiate(accept: "text/csv", format: "tsv") == .tsv)
        #expect(SPARQLResultFormat.negotiate(accept: nil, format: "text/plain") == nil)
    }

    @Test func resultsAreWrittenEscaped() {
        let result = SPARQLResult.bindings(variables: ["x", "y"], rows: [[.string("a \"b\"\n<c>"), nil], [.iri("http://ex.org/a&b"), .lang("x", "nl")]],
                                           truncated: true)
        let xml = SPARQLResultFormat.xml.write(result)
        #expect(xml.contains("<literal>a &quot;b&quot;\n&lt;c&gt;</literal>"))
        #expect(xml.contains("<uri>http://ex.org/a&amp;b</uri>"))
        #expect(xml.contains("truncated"))
        let csv = SPARQLResultFormat.csv.write(result)
        #expect(csv == "x,y\r\n\"a \"\"b\"\"\n<c>\",\r\nhttp://ex.org/a&b,x\r\n")
        let tsv = SPARQLResultFormat.tsv.write(result)
        #expect(tsv == "?x\t?y\n\"a \\\"b\\\"\\n<c>\"\t\n<http://ex.org/a&b>\t\"x\"@nl\n")
    }

    @Test func optionalFiltersAndBindTranslate() throws {
        let q = try SPARQLParser.shared.parse("""
            PREFIX : <http://ex.org/>
            SELECT ?a ?b WHERE { ?a :p ?v OPTIONAL { ?a :q ?b FILTER (?v > 1) } BIND (?v + 1 AS ?w) FILTER (?w < 10) }
            """)
        guard case .filter(let outer, .extend(.leftJoin(.bgp(let left), .bgp(let right), let condition?), "w", _)) = q.pattern else {
            Issue.record("unexpected algebra \(q.pattern)")
            return
        }
        #expect(left.count == 1 && right.count == 1)
        #expect(condition == .compare(.gt, .variable("v"), .constant(.integer(1))))
        #expect(outer == .compare(.lt, .variable("w"), .constant(.integer(10))))
    }

    @Test func valuesBlocksAreReadWithTheirTerms() throws {
        let q = try SPARQLParser.shared.parse(#"""
            PREFIX ex: <http://ex.org/>
            SELECT * WHERE {
              ?s ex:p ?o # VALUES in a comment
              VALUES (?o ?n) { (1 "a \" } b"@nl-BE) (ex:x UNDEF) (-2.5e1 "x"^^ex:t) (true '') }
            } VALUES ?s { <http://ex.org/s> }
            """#)
        guard case .join(.join(.bgp, .values(let inner, let rows)), .values(let outer, let last)) = q.pattern else {
            Issue.record("unexpected algebra \(q.pattern)")
            return
        }
        #expect(inner == ["o", "n"] && outer == ["s"])
        #expect(rows == [[.integer(1), .lang("a \" } b", "nl-be")], [.iri("http://ex.org/x"), nil],
                         [.typed("-2.5e1", XSD.double), .typed("x", "http://ex.org/t")], [.typed("true", XSD.boolean), .string("")]])
        #expect(last == [[.iri("http://ex.org/s")]])
        for bad in ["SELECT * WHERE { VALUES (?a ?b) { (1) } }", "SELECT * WHERE { VALUES ?a { ?b } }"] {
            #expect(throws: SPARQLError.self) { try SPARQLParser.shared.parse(bad) }
        }
    }
}
