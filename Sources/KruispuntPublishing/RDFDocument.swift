import KruispuntRDF

/// A Linked Data response body: triples or quads serialised in the negotiated syntax. Syntaxes
/// without graphs (Turtle, N-Triples) get the union of the graphs.
public enum RDFDocument {
    /// Serialises triples; JSON-LD and TriG are written by Kruispunt, the other syntaxes by raptor2.
    public static func render(_ triples: [Triple], as syntax: RDFSyntax,
                              jsonldContext: JSONLDWriter.ContextReference = .inline) throws -> String {
        try render(quads: triples.map { Quad($0, graph: nil) }, as: syntax, jsonldContext: jsonldContext)
    }

    /// Serialises quads, keeping their graphs where the syntax has graphs.
    public static func render(quads: [Quad], as syntax: RDFSyntax,
                              jsonldContext: JSONLDWriter.ContextReference = .inline) throws -> String {
        switch syntax {
        case .jsonld:
            return JSONLDWriter(context: jsonldContext).write(quads)
        case .trig:
            return TriGWriter.write(quads)
        case .nquads:
            var out = ""
            for q in quads { NTriples.append(q, to: &out) }
            return out
        case .ntriples:
            return NTriples.serialize(quads.map(\.triple))
        default:
            return try Raptor.shared.serialize(quads.map { Quad($0.triple, graph: nil) }, syntax: syntax, baseIRI: nil)
        }
    }
}
