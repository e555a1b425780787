import Foundation

/// A SHACL Core validator for the constraint components Kruispunt's shapes use: targets
/// (targetClass, targetNode, targetSubjectsOf, targetObjectsOf), property shapes with a predicate
/// path, minCount, maxCount, datatype, class, nodeKind, in, hasValue, pattern (with flags),
/// minInclusive, maxInclusive, minExclusive, maxExclusive, node, and the logical and, or, xone and
/// not. Other paths and components are refused when the shapes are loaded, never ignored.
///
/// ```swift
/// let validator = try SHACLValidator(shapes: shapeTriples)
/// let report = validator.validate(dataTriples)
/// report.conforms   // false: report.results say which focus node broke which constraint
/// ```
public struct SHACLValidator: Sendable {
    public static let ns = "http://www.w3.org/ns/shacl#"

    /// One violation.
    public struct Result: Sendable, Hashable {
        public let focusNode: Term
        public let path: Term?
        public let value: Term?
        /// The constraint component, e.g. `sh:MinCountConstraintComponent`.
        public let component: String
        public let sourceShape: Term
        public let message: String?
    }

    /// The outcome of a validation.
    public struct Report: Sendable {
        public let results: [Result]
        public var conforms: Bool { results.isEmpty }

        /// The report as a `sh:ValidationReport` graph.
        public func triples() -> [Triple] {
            let report = Term.blank("report")
            var t = [Triple(report, .iri(RDF.type), .iri(ns + "ValidationReport")),
                     Triple(report, .iri(ns + "conforms"), .boolean(conforms))]
            for (i, r) in results.enumerated() {
                let node = Term.blank("r\(i)")
                t += [Triple(report, .iri(ns + "result"), node),
                      Triple(node, .iri(RDF.type), .iri(ns + "ValidationResult")),
                      Triple(node, .iri(ns + "focusNode"), r.focusNode),
                      Triple(node, .iri(ns + "resultSeverity"), .iri(ns + "Violation")),
                      Triple(node, .iri(ns + "sourceConstraintComponent"), .iri(ns + r.component)),
                      Triple(node, .iri(ns + "sourceShape"), r.sourceShape)]
                if let p = r.path { t.append(Triple(node, .iri(ns + "resultPath"), p)) }
                if let v = r.value { t.append(Triple(node, .iri(ns + "value"), v)) }
                if let m = r.message { t.append(Triple(node, .iri(ns + "resultMessage"), .string(m))) }
            }
            return t
        }
    }

    /// A shape problem found while loading (an unsupported path or component).
    public struct ShapeError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    private let shapes: Graph
    private let nodeShapes: [Term]
    private let patterns: Patterns

    /// Compiled regular expressions (immutable after init).
    private final class Patterns: @unchecked Sendable {
        var byKey: [String: NSRegularExpression] = [:]
        func get(_ pattern: String, flags: String) -> NSRegularExpression? {
            byKey[flags + "/" + pattern]
        }
    }

    public init(shapes triples: [Triple]) throws {
        let g = Graph(triples)
        self.shapes = g
        var roots: Set<Term> = []
        for t in triples where t.predicate == .iri(RDF.type) && t.object == .iri(Self.ns + "NodeShape") { roots.insert(t.subject) }
        for p in ["targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"] {
            for t in triples where t.predicate == .iri(Self.ns + p) { roots.insert(t.subject) }
        }
        self.nodeShapes = roots.sorted()
        let patterns = Patterns()
        for t in triples where t.predicate == .iri(Self.ns + "pattern") {
            let flags = g.object(t.subject, .iri(Self.ns + "flags"))?.lexical ?? ""
            guard let re = try? NSRegularExpression(pattern: t.object.lexical, options: flags.contains("i") ? [.caseInsensitive] : []) else {
                throw ShapeError(description: "sh:pattern \(t.object.lexical) is not a valid regular expression")
            }
            patterns.byKey[flags + "/" + t.object.lexical] = re
        }
        self.patterns = patterns
        for shape in g.subjects(with: .iri(Self.ns + "path")) {
            guard case .iri = g.object(shape, .iri(Self.ns + "path")) else {
                throw ShapeError(description: "property shape \(shape.ntriples): only predicate paths are supported")
            }
        }
        for unsupported in ["qualifiedValueShape", "closed", "equals", "disjoint", "lessThan", "lessThanOrEquals",
                            "uniqueLang", "languageIn", "minLength", "maxLength", "sparql"] {
            if let t = triples.first(where: { $0.predicate == .iri(Self.ns + unsupported) }) {
                throw ShapeError(description: "sh:\(unsupported) (on \(t.subject.ntriples)) is not supported by this validator")
            }
        }
    }

    /// Validates a data graph.
    public func validate(_ data: [Triple]) -> Report {
        let d = Graph(data)
        var results: [Result] = []
        for shape in nodeShapes {
            for focus in targets(of: shape, in: d) { check(shape: shape, focus: focus, data: d, into: &results) }
        }
        return Report(results: results)
    }

    // MARK: - Targets

    private func targets(of shape: Term, in d: Graph) -> [Term] {
        var out: Set<Term> = []
        for c in shapes.objects(shape, .iri(Self.ns + "targetClass")) {
            for cls in d.subclasses(of: c) { out.formUnion(d.subjects(.iri(RDF.type), cls)) }
        }
        out.formUnion(shapes.objects(shape, .iri(Self.ns + "targetNode")))
        for p in shapes.objects(shape, .iri(Self.ns + "targetSubjectsOf")) { out.formUnion(d.subjects(with: p)) }
        for p in shapes.objects(shape, .iri(Self.ns + "targetObjectsOf")) { out.formUnion(d.objects(with: p)) }
        return out.sorted()
    }

    // MARK: - Checking

    /// Records every violation of `shape` at `focus`.
    private func check(shape: Term, focus: Term, data d: Graph, into results: inout [Result]) {
        let message = shapes.object(shape, .iri(Self.ns + "message"))?.lexical
        // The shape's own constraints apply to the focus node itself.
        for (component, value) in valueViolations(shape: shape, values: [focus], data: d) {
            results.append(Result(focusNode: focus, path: nil, value: value, component: component, sourceShape: shape, message: message))
        }
        for property in shapes.objects(shape, .iri(Self.ns + "property")) {
            checkProperty(property, focus: focus, data: d, into: &results)
        }
    }

    /// Records every violation of the property shape `property` at `focus`.
    private func checkProperty(_ property: Term, focus: Term, data d: Graph, into results: inout [Result]) {
        guard let path = shapes.object(property, .iri(Self.ns + "path")) else { return }
        let values = d.objects(focus, path)
        let message = shapes.object(property, .iri(Self.ns + "message"))?.lexical
        if let min = shapes.object(property, .iri(Self.ns + "minCount")).flatMap({ Int($0.lexical) }), values.count < min {
            results.append(Result(focusNode: focus, path: path, value: nil, component: "MinCountConstraintComponent", sourceShape: property, message: message))
        }
        if let max = shapes.object(property, .iri(Self.ns + "maxCount")).flatMap({ Int($0.lexical) }), values.count > max {
            results.append(Result(focusNode: focus, path: path, value: nil, component: "MaxCountConstraintComponent", sourceShape: property, message: message))
        }
        for (component, value) in valueViolations(shape: property, values: values, data: d) {
            results.append(Result(focusNode: focus, path: path, value: value, component: component, sourceShape: property, message: message))
        }
    }

    /// Whether `focus` conforms to `shape` (node and property constraints).
    private func conforms(_ focus: Term, to shape: Term, data d: Graph) -> Bool {
        var results: [Result] = []
        check(shape: shape, focus: focus, data: d, into: &results)
        return results.isEmpty
    }

    /// The value-type and logical constraints of `shape` over `values`: (component, value) pairs.
    private func valueViolations(shape: Term, values: [Term], data d: Graph) -> [(String, Term?)] {
        var out: [(String, Term?)] = []
        func each(_ name: String, _ ok: (Term, Term) -> Bool) {
            for c in shapes.objects(shape, .iri(Self.ns + name)) {
                for v in values where !ok(v, c) { out.append((name.prefix(1).uppercased() + name.dropFirst() + "ConstraintComponent", v)) }
            }
        }
        each("datatype") { v, dt in Self.hasDatatype(v, dt) }
        each("nodeKind") { v, kind in Self.hasKind(v, kind) }
        each("class") { v, cls in d.isInstance(v, of: cls) }
        each("pattern") { v, p in
            if case .blank = v { return false }
            let flags = shapes.object(shape, .iri(Self.ns + "flags"))?.lexical ?? ""
            guard let re = patterns.get(p.lexical, flags: flags) else { return false }
            let text = v.lexical
            return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        }
        each("minInclusive") { v, b in Self.compare(v, b).map { $0 >= 0 } ?? false }
        each("maxInclusive") { v, b in Self.compare(v, b).map { $0 <= 0 } ?? false }
        each("minExclusive") { v, b in Self.compare(v, b).map { $0 > 0 } ?? false }
        each("maxExclusive") { v, b in Self.compare(v, b).map { $0 < 0 } ?? false }
        each("node") { v, s in conforms(v, to: s, data: d) }
        for list in shapes.objects(shape, .iri(Self.ns + "in")) {
            let allowed = Set(shapes.list(list))
            for v in values where !allowed.contains(v) { out.append(("InConstraintComponent", v)) }
        }
        for required in shapes.objects(shape, .iri(Self.ns + "hasValue")) where !values.contains(required) {
            out.append(("HasValueConstraintComponent", nil))
        }
        for (name, accept) in [("and", { (n: Int, all: Int) in n == all }), ("or", { n, _ in n >= 1 }),
                               ("xone", { n, _ in n == 1 })] as [(String, (Int, Int) -> Bool)] {
            for list in shapes.objects(shape, .iri(Self.ns + name)) {
                let members = shapes.list(list)
                for v in values where !accept(members.filter { memberConforms(v, $0, data: d) }.count, members.count) {
                    out.append((name.prefix(1).uppercased() + name.dropFirst() + "ConstraintComponent", v))
                }
            }
        }
        for s in shapes.objects(shape, .iri(Self.ns + "not")) {
            for v in values where memberConforms(v, s, data: d) { out.append(("NotConstraintComponent", v)) }
        }
        return out
    }

    /// A member of a logical list: a node shape, or a shape with only value constraints (e.g. `[ sh:datatype xsd:integer ]`).
    private func memberConforms(_ v: Term, _ shape: Term, data d: Graph) -> Bool {
        guard shapes.object(shape, .iri(Self.ns + "path")) != nil else { return conforms(v, to: shape, data: d) }
        // A property shape in a logical list: the value node's values on its path.
        var results: [Result] = []
        checkProperty(shape, focus: v, data: d, into: &results)
        return results.isEmpty
    }

    // MARK: - Value tests

    static func hasKind(_ v: Term, _ kind: Term) -> Bool {
        let k = kind.lexical.replacingOccurrences(of: ns, with: "")
        switch v {
        case .iri: return ["IRI", "BlankNodeOrIRI", "IRIOrLiteral"].contains(k)
        case .blank: return ["BlankNode", "BlankNodeOrIRI", "BlankNodeOrLiteral"].contains(k)
        case .literal: return ["Literal", "BlankNodeOrLiteral", "IRIOrLiteral"].contains(k)
        }
    }

    static func hasDatatype(_ v: Term, _ dt: Term) -> Bool {
        guard case .literal(let lex, let datatype, let language) = v else { return false }
        let actual = language != nil ? RDF.langString : (datatype ?? XSD.string)
        guard actual == dt.lexical else { return false }
        return wellFormed(lex, datatype: actual)
    }

    /// Whether a lexical form is valid for the XSD datatypes Kruispunt uses (others: accepted).
    static func wellFormed(_ lex: String, datatype: String) -> Bool {
        if datatype == XSD.boolean { return ["true", "false", "1", "0"].contains(lex) }
        guard let re = lexicalForms[datatype] else { return true }
        return re.firstMatch(in: lex, range: NSRange(lex.startIndex..., in: lex)) != nil
    }

    /// Lexical spaces of the XSD datatypes Kruispunt uses (others are accepted as they are).
    static let lexicalForms: [String: NSRegularExpression] = {
        let time = "-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?|24:00:00(\\.0+)?)"
        let zone = "(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
        let forms: [String: String] = [
            XSD.integer: "[+-]?[0-9]+",
            XSD.nonNegativeInteger: "[+]?[0-9]+|-0+",
            XSD.decimal: "[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)",
            XSD.double: "[+-]?(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?|INF)|NaN",
            XSD.dateTime: time + zone + "?",
            XSD.dateTimeStamp: time + zone,
            XSD.date: "-?[0-9]{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])" + zone + "?",
            XSD.duration: "-?P(?=.)([0-9]+Y)?([0-9]+M)?([0-9]+D)?(T(?=.)([0-9]+H)?([0-9]+M)?([0-9]+(\\.[0-9]+)?S)?)?",
        ]
        return forms.compactMapValues { try? NSRegularExpression(pattern: "^(" + $0 + ")$") }
    }()

    /// Compares two literals as numbers or as date-times; nil when they are not comparable.
    static func compare(_ a: Term, _ b: Term) -> Int? {
        guard case .literal(let x, let dx, _) = a, case .literal(let y, let dy, _) = b else { return nil }
        let numeric: Set<String> = [XSD.integer, XSD.decimal, XSD.double, XSD.nonNegativeInteger]
        if let dx, let dy, numeric.contains(dx), numeric.contains(dy), wellFormed(x, datatype: dx),
           let u = Double(x), let v = Double(y) {
            return u < v ? -1 : (u > v ? 1 : 0)
        }
        if let dx, let dy, [XSD.dateTime, XSD.dateTimeStamp].contains(dx), [XSD.dateTime, XSD.dateTimeStamp].contains(dy) {
            var xs = x, ys = y
            guard let u = xs.withUTF8({ XSDDateTime.parse($0) }), let v = ys.withUTF8({ XSDDateTime.parse($0) }) else { return nil }
            return u.epochMillis < v.epochMillis ? -1 : (u.epochMillis > v.epochMillis ? 1 : 0)
        }
        return nil
    }
}

/// A small in-memory graph index for validation.
struct Graph: Sendable {
    private var bySubject: [Term: [Triple]] = [:]
    private var byPredicate: [Term: [Triple]] = [:]

    init(_ triples: [Triple]) {
        for t in triples {
            bySubject[t.subject, default: []].append(t)
            byPredicate[t.predicate, default: []].append(t)
        }
    }

    func objects(_ s: Term, _ p: Term) -> [Term] { (bySubject[s] ?? []).filter { $0.predicate == p }.map(\.object) }
    func object(_ s: Term, _ p: Term) -> Term? { bySubject[s]?.first { $0.predicate == p }?.object }
    func subjects(_ p: Term, _ o: Term) -> [Term] { (byPredicate[p] ?? []).filter { $0.object == o }.map(\.subject) }
    func subjects(with p: Term) -> [Term] { (byPredicate[p] ?? []).map(\.subject) }
    func objects(with p: Term) -> [Term] { (byPredicate[p] ?? []).map(\.object) }

    /// The members of an RDF list.
    func list(_ head: Term) -> [Term] {
        var out: [Term] = []
        var node = head
        var seen: Set<Term> = []
        while node != .iri(RDF.ns + "nil"), seen.insert(node).inserted, let first = object(node, .iri(RDF.ns + "first")) {
            out.append(first)
            guard let rest = object(node, .iri(RDF.ns + "rest")) else { break }
            node = rest
        }
        return out
    }

    /// A class and its subclasses (rdfs:subClassOf in this graph).
    func subclasses(of c: Term) -> Set<Term> {
        var out: Set<Term> = [c], queue = [c]
        while let x = queue.popLast() {
            for sub in subjects(.iri(RDFS.ns + "subClassOf"), x) where out.insert(sub).inserted { queue.append(sub) }
        }
        return out
    }

    func isInstance(_ v: Term, of c: Term) -> Bool {
        let classes = subclasses(of: c)
        return objects(v, .iri(RDF.type)).contains { classes.contains($0) }
    }
}
