/// An RDF syntax Kruispunt reads or writes, with its media type and raptor name.
public enum RDFSyntax: String, Sendable, CaseIterable {
    case turtle, ntriples, nquads, trig, rdfxml, jsonld

    /// The IANA media type.
    public var mediaType: String {
        switch self {
        case .turtle: return "text/turtle"
        case .ntriples: return "application/n-triples"
        case .nquads: return "application/n-quads"
        case .trig: return "application/trig"
        case .rdfxml: return "application/rdf+xml"
        case .jsonld: return "application/ld+json"
        }
    }

    /// raptor2's parser/serialiser name (nil for JSON-LD, which Kruispunt writes itself).
    /// raptor2 2.0.15 parses TriG but has no TriG serialiser.
    var raptorName: String? {
        switch self {
        case .turtle: return "turtle"
        case .ntriples: return "ntriples"
        case .nquads: return "nquads"
        case .trig: return "trig"
        case .rdfxml: return "rdfxml"
        case .jsonld: return nil
        }
    }

    /// Whether the syntax carries named graphs.
    public var hasGraphs: Bool { self == .nquads || self == .trig || self == .jsonld }

    /// Looks a syntax up by a short name (`nquads`, `ttl`, `nt`, ...) or a media type.
    public init?(name: String) {
        switch name.lowercased() {
        case "turtle", "ttl", "text/turtle": self = .turtle
        case "ntriples", "nt", "n-triples", "application/n-triples": self = .ntriples
        case "nquads", "nq", "n-quads", "application/n-quads": self = .nquads
        case "trig", "application/trig": self = .trig
        case "rdfxml", "rdf", "xml", "application/rdf+xml": self = .rdfxml
        case "jsonld", "json-ld", "application/ld+json": self = .jsonld
        default: return nil
        }
    }
}

/// An error reading or writing RDF; the message says where and why.
public struct RDFSyntaxError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
