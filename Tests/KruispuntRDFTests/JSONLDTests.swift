import Foundation
import KruispuntRDF
import Testing

/// The JSON-LD writer and reader against each other on shapes that are easy to get wrong, and
/// canonical blank-node labels. Independent checks (PyLD) are in tests/e2e/test_24_jsonld.py.
@Suite struct JSONLDTests {
    let g = Term.iri("http://ex.org/g")
    var tricky: [Quad] {
        let s = Term.iri("http://ex.org/s")
        return [
            Quad(s, .iri(RDF.type), .iri(SOSA.Observation), g),
            Quad(s, .iri(RDF.type), .blank("classNode"), g),                     // a blank class: never embedded
            Quad(.blank("classNode"), .iri(RDFS.label), .string("klasse"), g),
            Quad(s, .iri(SOSA.hasSimpleResult), .integer(42), g),
            Quad(s, .iri(SOSA.hasSimpleResult), .typed("0042", XSD.integer), g), // not canonical: stays a string
            Quad(s, .iri(SOSA.hasSimpleResult), .typed("1234567890123456789", XSD.integer), g),
            Quad(s, .iri(SOSA.hasSimpleResult), .typed("3.50", XSD.decimal), g),
            Quad(s, .iri(SOSA.resultTime), .typed("2026-10-25T02:00:00+01:00", XSD.dateTimeStamp), g),
            Quad(s, .iri(SOSA.resultTime), .typed("2026-10-25T02:00:00+01:00", XSD.dateTime), g), // other datatype than the term's
            Quad(s, .iri(SOSA.hasFeatureOfInterest), .string("not an IRI"), g),  // the term says @id: must not use it
            Quad(s, .iri(KP.suppressed), .boolean(false), g),
            Quad(s, .iri(RDFS.label), .lang("tekst", "nl-be"), g),
            Quad(.blank("a"), .iri("http://ex.org/next"), .blank("b"), g),       // a cycle of blank nodes
            Quad(.blank("b"), .iri("http://ex.org/next"), .blank("a"), g),
            Quad(s, .iri("http://ex.org/p"), .blank("shared"), g),
            Quad(.iri("http://ex.org/t"), .iri("http://ex.org/p"), .blank("shared"), nil),
            Quad(.blank("shared"), .iri("http://ex.org/q"), .string("twice used"), g),
        ]
    }

    @Test func writerAndReaderRoundTrip() throws {
        for context in [JSONLDWriter.ContextReference.inline, .url("http://ex.org/context.jsonld")] {
            let text = JSONLDWriter(context: context).write(tricky)
            let back = try JSONLDReader(baseIRI: "http://ex.org/", contexts: ["http://ex.org/context.jsonld": JSONLDContext.document])
                .read(Data(text.utf8))
            #expect(canonical(back) == canonical(tricky), "\(text)")
        }
    }

    @Test func canonicalLabelsIgnoreTheOriginalLabels() {
        let renamed = tricky.map { q -> Quad in
            func r(_ t: Term) -> Term { if case .blank(let b) = t { return .blank("zz" + b) }; return t }
            return Quad(r(q.subject), q.predicate, r(q.object), q.graph.map(r))
        }.reversed()
        #expect(canonical(Array(renamed)) == canonical(tricky))
        #expect(canonical(tricky).allSatisfy { !$0.contains("_:classNode") })
    }

    @Test func readerRefusesWhatItCannotHonour() {
        let cases = [
            #"{"@context": "http://elsewhere.example/ctx", "@id": "http://ex.org/a"}"#,
            #"{"@context": {"p": {"@id": "http://ex.org/p", "@container": "@graph"}}, "@id": "http://ex.org/a", "p": {}}"#,
            #"{"@id": "http://ex.org/a", "@included": []}"#,
            #"{"@id": "relative"}"#,
        ]
        for text in cases {
            #expect(throws: RDFSyntaxError.self) { try JSONLDReader(baseIRI: nil).read(Data(text.utf8)) }
        }
    }

    private func canonical(_ quads: [Quad]) -> [String] {
        CanonicalLabels.relabel(quads).map { q in var line = ""; NTriples.append(q, to: &line); return line }.sorted()
    }
}
