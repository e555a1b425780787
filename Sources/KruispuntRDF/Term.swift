/// An RDF term: an IRI, a blank node or a literal (with a datatype or a language tag).
///
/// ```swift
/// let count = Term.typed("42", XSD.integer)
/// let camera = Term.iri("https://example.org/id/camera/CAM01")
/// ```
public enum Term: Hashable, Sendable, Comparable {
    case iri(String)
    case blank(String)
    /// A literal. `datatype` is nil for plain and language-tagged strings (xsd:string / rdf:langString).
    case literal(String, datatype: String?, language: String?)

    /// A plain string literal (xsd:string).
    public static func string(_ value: String) -> Term { .literal(value, datatype: nil, language: nil) }
    /// A typed literal.
    public static func typed(_ value: String, _ datatype: String) -> Term {
        datatype == XSD.string ? .string(value) : .literal(value, datatype: datatype, language: nil)
    }
    /// A language-tagged string.
    public static func lang(_ value: String, _ language: String) -> Term {
        .literal(value, datatype: nil, language: language.lowercased())
    }
    /// An `xsd:integer` literal.
    public static func integer(_ value: Int) -> Term { .typed(String(value), XSD.integer) }
    /// An `xsd:boolean` literal.
    public static func boolean(_ value: Bool) -> Term { .typed(value ? "true" : "false", XSD.boolean) }

    public var isLiteral: Bool { if case .literal = self { return true } else { return false } }

    /// The IRI string, or nil when the term is not an IRI.
    public var iriValue: String? { if case .iri(let v) = self { return v } else { return nil } }

    /// The lexical form of a literal, the IRI of an IRI, the label of a blank node.
    public var lexical: String {
        switch self {
        case .iri(let v), .blank(let v): return v
        case .literal(let v, _, _): return v
        }
    }

    /// The term in N-Triples syntax.
    public var ntriples: String {
        var out = ""
        NTriples.append(self, to: &out)
        return out
    }

    public static func < (lhs: Term, rhs: Term) -> Bool { lhs.ntriples < rhs.ntriples }
}

/// A triple: subject, predicate, object.
public struct Triple: Hashable, Sendable {
    public var subject: Term
    public var predicate: Term
    public var object: Term
    public init(_ subject: Term, _ predicate: Term, _ object: Term) {
        self.subject = subject
        self.predicate = predicate
        self.object = object
    }
}

/// A quad: a triple in a named graph (nil for the default graph).
public struct Quad: Hashable, Sendable {
    public var subject: Term
    public var predicate: Term
    public var object: Term
    public var graph: Term?
    public init(_ subject: Term, _ predicate: Term, _ object: Term, _ graph: Term? = nil) {
        self.subject = subject
        self.predicate = predicate
        self.object = object
        self.graph = graph
    }
    public init(_ triple: Triple, graph: Term?) {
        self.init(triple.subject, triple.predicate, triple.object, graph)
    }
    public var triple: Triple { Triple(subject, predicate, object) }
}
