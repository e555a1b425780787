import Foundation
import KruispuntRDF
import Testing

@Suite struct SerialisationTests {
    let sample: [Triple] = [
        Triple(.iri("http://ex.org/s"), .iri(RDFS.label), .lang("Kruispunt \"centrum\"\nlijn 2", "nl-BE")),
        Triple(.iri("http://ex.org/s"), .iri(SOSA.hasSimpleResult), .integer(42)),
        Triple(.iri("http://ex.org/s"), .iri(DCT.identifier), .string("tab\there \\ back")),
        Triple(.iri("http://ex.org/s"), .iri(SOSA.phenomenonTime), .blank("i1")),
        Triple(.blank("i1"), .iri(OWLTime.inXSDDateTimeStamp), .typed("2026-10-25T02:00:00+01:00", XSD.dateTimeStamp)),
        Triple(.iri("http://ex.org/s"), .iri(RDF.type), .iri(SOSA.Observation)),
    ]

    @Test func ntriplesEscaping() {
        #expect(Term.string("a\"b\\c\nd").ntriples == "\"a\\\"b\\\\c\\nd\"")
        #expect(Term.lang("hallo", "NL-be").ntriples == "\"hallo\"@nl-be")
        #expect(Term.integer(7).ntriples == "\"7\"^^<http://www.w3.org/2001/XMLSchema#integer>")
        #expect(Term.iri("http://ex.org/a b").ntriples == "<http://ex.org/a\\u0020b>")
    }

    @Test(arguments: [RDFSyntax.turtle, .ntriples, .rdfxml, .nquads])
    func raptorRoundTrip(_ syntax: RDFSyntax) throws {
        let text = try Raptor.shared.serialize(sample.map { Quad($0, graph: nil) }, syntax: syntax)
        let back = try Raptor.shared.parse(text, syntax: syntax, baseIRI: "http://ex.org/")
        // Blank node labels may change; compare with the blank node replaced by a fixed label.
        func normalised(_ ts: [Triple]) -> Set<String> {
            Set(ts.map { t in
                var t = t
                if case .blank = t.subject { t.subject = .blank("x") }
                if case .blank = t.object { t.object = .blank("x") }
                return t.subject.ntriples + t.predicate.ntriples + t.object.ntriples
            })
        }
        #expect(normalised(back.map(\.triple)) == normalised(sample))
    }

    @Test func parseErrorsCarryTheLine() {
        #expect(throws: RDFSyntaxError.self) {
            try Raptor.shared.parse("<http://a> <http://b> .\n<x> <y> <z> <w> <v> .", syntax: .turtle, baseIRI: "http://ex.org/")
        }
    }

    @Test func jsonldIsCompactedWithTheContext() throws {
        let text = JSONLDWriter().write(sample.map { Quad($0, graph: .iri("http://ex.org/g")) })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect((json["@context"] as? [String: Any])?["sosa"] as? String == SOSA.ns)
        let graphs = try #require(json["@graph"] as? [[String: Any]])
        #expect(graphs.count == 1)
        #expect(graphs[0]["@id"] as? String == "http://ex.org/g")
        let nodes = try #require(graphs[0]["@graph"] as? [[String: Any]])
        let subject = try #require(nodes.first { $0["@id"] as? String == "http://ex.org/s" })
        #expect(subject["@type"] as? String == "Observation")
        #expect(subject["hasSimpleResult"] as? Int == 42)
        #expect((subject["label"] as? [String: String]) == ["@value": "Kruispunt \"centrum\"\nlijn 2", "@language": "nl-be"])
        // The interval is a blank node used once: embedded, with its instant typed by the context.
        let interval = try #require(subject["phenomenonTime"] as? [String: String])
        #expect(interval == ["inXSDDateTimeStamp": "2026-10-25T02:00:00+01:00"])
    }

    @Test func iriSchemeEncodesSegments() {
        let iris = IRIScheme(base: "http://localhost:8080/")
        #expect(iris.camera("MEC 01/é") == "http://localhost:8080/id/camera/MEC%2001%2F%C3%A9")
    }
}
