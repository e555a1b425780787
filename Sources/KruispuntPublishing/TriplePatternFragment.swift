import KruispuntRDF
import KruispuntStore

/// Triple (and quad) Pattern Fragments over the whole store (`/fragments`), following the TPF
/// specification: the matching quads, 100 per page, with metadata and hypermedia controls in a
/// graph of their own (`<page#metadata>`): the `hydra:search` IRI template (explicit
/// representation, with subject, predicate, object and graph mappings), the fragment as
/// `void:subset` of the dataset, `void:triples` and `hydra:totalItems` (0 exactly when empty,
/// exact up to a page, PostgreSQL's estimate above), and `hydra:first`/`next`/`previous` links.
/// Pages are keyset cursors (`after=`, `before=`), so a harvest never re-reads earlier pages.
///
/// ```swift
/// let page = try TriplePatternFragment(query: ["predicate": RDF.type], iris: iris).page(on: db)
/// ```
public struct TriplePatternFragment: Sendable {
    public static let pageSize = 100
    static let parameters = ["subject", "predicate", "object", "graph"]

    public let pattern: QuadPattern
    public let after: String?
    public let before: String?
    /// The canonical IRI of the fragment (its first page).
    public let fragmentIRI: String
    public let iris: IRIScheme
    private let bound: [(String, String)]

    /// A fragment from query parameters; throws `TPFError` on a malformed term or cursor.
    public init(query: [String: String], iris: IRIScheme) throws {
        self.iris = iris
        var terms: [String: Term] = [:]
        var bound: [(String, String)] = []
        for name in Self.parameters {
            guard let text = query[name], let term = try Self.term(text, parameter: name) else { continue }
            terms[name] = term
            bound.append((name, Self.explicit(term)))
        }
        if terms["predicate"]?.isLiteral == true || terms["subject"]?.isLiteral == true || terms["graph"]?.isLiteral == true {
            throw TPFError("Alleen het object kan een literal zijn / only the object can be a literal")
        }
        pattern = QuadPattern(graph: terms["graph"].map { .named($0) } ?? .any, subject: terms["subject"],
                              predicate: terms["predicate"], object: terms["object"])
        for cursor in [query["after"], query["before"]] {
            guard let cursor, !cursor.isEmpty else { continue }
            let parts = cursor.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4, parts.allSatisfy({ Int64($0) != nil }) else {
                throw TPFError("Ongeldige paginacursor / invalid page cursor")
            }
        }
        after = query["after"].flatMap { $0.isEmpty ? nil : $0 }
        before = after == nil ? query["before"].flatMap { $0.isEmpty ? nil : $0 } : nil
        self.bound = bound
        let base = iris.base + "/fragments"
        fragmentIRI = bound.isEmpty ? base : base + "?" + bound.map { $0.0 + "=" + IRIScheme.segment($0.1) }.joined(separator: "&")
    }

    /// The IRI of the page this request names.
    public var pageIRI: String { pageIRI(after: after, before: before) }

    func pageIRI(after: String?, before: String?) -> String {
        let separator = bound.isEmpty ? "?" : "&"
        if let after { return fragmentIRI + separator + "after=" + after }
        if let before { return fragmentIRI + separator + "before=" + before }
        return fragmentIRI
    }

    /// The page: data quads as stored, then the metadata and controls in `<page#metadata>`.
    public func page(on db: Connection) throws -> [Quad] {
        let found = try QuadPatterns.match(pattern, after: after, before: before, limit: Self.pageSize, on: db)
        var quads = found.quads
        let page = Term.iri(pageIRI)
        let fragment = Term.iri(fragmentIRI)
        let metadata = Term.iri(pageIRI + "#metadata")
        let dataset = Term.iri(iris.base + "/fragments#dataset")
        let search = Term.blank("kp-tpf-search")
        func add(_ s: Term, _ p: String, _ o: Term) { quads.append(Quad(s, .iri(p), o, metadata)) }
        add(metadata, FOAF.primaryTopic, page)
        add(dataset, RDF.type, .iri(VOID.Dataset))
        add(dataset, RDF.type, .iri(Hydra.Collection))
        add(dataset, VOID.subset, fragment)
        add(dataset, Hydra.search, search)
        add(search, RDF.type, .iri(Hydra.IriTemplate))
        add(search, Hydra.template, .string(iris.base + "/fragments{?subject,predicate,object,graph}"))
        add(search, Hydra.variableRepresentation, .iri(Hydra.ExplicitRepresentation))
        for (name, property) in zip(Self.parameters, [RDF.ns + "subject", RDF.ns + "predicate", RDF.ns + "object", SD.graph]) {
            let mapping = Term.blank("kp-tpf-" + name)
            add(search, Hydra.mapping, mapping)
            add(mapping, Hydra.variable, .string(name))
            add(mapping, Hydra.property, .iri(property))
        }
        for subject in Set([fragment, page]) {
            add(subject, VOID.triples, .integer(found.count))
            add(subject, Hydra.totalItems, .integer(found.count))
        }
        add(fragment, Hydra.view, page)
        add(page, RDF.type, .iri(Hydra.PartialCollectionView))
        add(page, Hydra.itemsPerPage, .integer(Self.pageSize))
        add(page, Hydra.first, fragment)
        if let next = found.next { add(page, Hydra.next, .iri(pageIRI(after: next, before: nil))) }
        if let previous = found.previous {
            add(page, Hydra.previous, .iri(pageIRI(after: nil, before: previous)))
        }
        return quads
    }

    /// A term in the explicit representation (`http://…`, `"text"`, `"text"@nl`,
    /// `"1"^^http://…#integer`, `_:label`); nil for a variable (empty or `?name`).
    static func term(_ text: String, parameter: String) throws -> Term? {
        if text.isEmpty || text.hasPrefix("?") { return nil }
        if text.hasPrefix("\"") {
            guard let close = text.lastIndex(of: "\""), close > text.startIndex else {
                throw TPFError("Ongeldige literal in \(parameter) / malformed literal in \(parameter)")
            }
            let value = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.isEmpty { return .string(value) }
            if rest.hasPrefix("@"), rest.count > 1 { return .lang(value, String(rest.dropFirst())) }
            if rest.hasPrefix("^^") {
                var datatype = rest.dropFirst(2)
                if datatype.hasPrefix("<"), datatype.hasSuffix(">") { datatype = datatype.dropFirst().dropLast() }
                guard datatype.contains(":") else { throw TPFError("Ongeldig datatype in \(parameter) / malformed datatype in \(parameter)") }
                return .typed(value, String(datatype))
            }
            throw TPFError("Ongeldige literal in \(parameter) / malformed literal in \(parameter)")
        }
        if text.hasPrefix("_:") { return .blank(String(text.dropFirst(2))) }
        var iri = Substring(text)
        if iri.hasPrefix("<"), iri.hasSuffix(">") { iri = iri.dropFirst().dropLast() }
        guard iri.contains(":") else { throw TPFError("Geen absolute IRI in \(parameter) / not an absolute IRI in \(parameter)") }
        return .iri(String(iri))
    }

    /// A term in the explicit representation.
    static func explicit(_ term: Term) -> String {
        switch term {
        case .iri(let iri): return iri
        case .blank(let label): return "_:" + label
        case .literal(let value, let datatype, let language):
            if let language { return "\"" + value + "\"@" + language }
            if let datatype, datatype != XSD.string { return "\"" + value + "\"^^" + datatype }
            return "\"" + value + "\""
        }
    }
}

/// A malformed fragment request (400).
public struct TPFError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
