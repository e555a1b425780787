import KruispuntRDF

/// A Linked Data response body: triples serialised in the negotiated syntax.
public enum RDFDocument {
    /// Serialises triples; JSON-LD is written by Kruispunt, the other syntaxes by raptor2.
    public static func render(_ triples: [Triple], as syntax: RDFSyntax,
                              jsonldContext: JSONLDWriter.ContextReference = .inline) throws -> String {
        switch syntax {
        case .jsonld:
            return JSONLDWriter(context: jsonldContext).write(triples.map { Quad($0, graph: nil) })
        case .ntriples, .nquads:
            return NTriples.serialize(triples)
        default:
            return try Raptor.shared.serialize(triples.map { Quad($0, graph: nil) }, syntax: syntax, baseIRI: nil)
        }
    }
}
