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
        public init(results: [Result]) { self.results = results }

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

    /// One shape, compiled: its constraints as a flat list (shapes refer to others by index).
    struct Shape: @unchecked Sendable {
        let term: Term
        let message: String?
        let path: Term?
        let minCount: Int?
        let maxCount: Int?
        let checks: [Check]
        let properties: [Int]
        let targetClasses: [Term], targetNodes: [Term], targetSubjectsOf: [Term], targetObjectsOf: [Term]
    }

    /// A value constraint.
    enum Check: @unchecked Sendable {
        case datatype(String), nodeKind(String), cls(Term), pattern(NSRegularExpression)
        case minInclusive(Term), maxInclusive(Term), minExclusive(Term), maxExclusive(Term)
        case node(Int), inList(Set<Term>), hasValue(Term), and([Int]), or([Int]), xone([Int]), not(Int)

        var component: String {
            switch self {
            case .datatype: "DatatypeConstraintComponent"
            case .nodeKind: "NodeKindConstraintComponent"
            case .cls: "ClassConstraintComponent"
            case .pattern: "PatternConstraintComponent"
            case .minInclusive: "MinInclusiveConstraintComponent"
            case .maxInclusive: "MaxInclusiveConstraintComponent"
            case .minExclusive: "MinExclusiveConstraintComponent"
            case .maxExclusive: "MaxExclusiveConstraintComponent"
            case .node: "NodeConstraintComponent"
            case .inList: "InConstraintComponent"
            case .hasValue: "HasValueConstraintComponent"
            case .and: "AndConstraintComponent"
            case .or: "OrConstraintComponent"
            case .xone: "XoneConstraintComponent"
            case .not: "NotConstraintComponent"
            }
        }
    }

    private let compiled: [Shape]
    private let roots: [Int]

    public init(shapes triples: [Triple]) throws {
        let g = Graph(triples)
        let sh = Self.ns
        for shape in g.subjects(with: .iri(sh + "path")) {
            guard case .iri = g.object(shape, .iri(sh + "path")) else {
                throw ShapeError(description: "property shape \(shape.ntriples): only predicate paths are supported")
            }
        }
        for unsupported in ["qualifiedValueShape", "closed", "equals", "disjoint", "lessThan", "lessThanOrEquals",
                            "uniqueLang", "languageIn", "minLength", "maxLength", "sparql"] {
            if let t = triples.first(where: { $0.predicate == .iri(sh + unsupported) }) {
                throw ShapeError(description: "sh:\(unsupported) (on \(t.subject.ntriples)) is not supported by this validator")
            }
        }
        var rootTerms: Set<Term> = []
        for t in triples where t.predicate == .iri(RDF.type) && t.object == .iri(sh + "NodeShape") { rootTerms.insert(t.subject) }
        for p in ["targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf"] {
            for t in triples where t.predicate == .iri(sh + p) { rootTerms.insert(t.subject) }
        }
        // Compile every shape reachable from the roots, giving each an index first (shapes may refer to each other).
        var index: [Term: Int] = [:], order: [Term] = []
        var queue = rootTerms.sorted()
        func refer(_ t: Term) -> Int {
            if let i = index[t] { return i }
            index[t] = order.count
            order.append(t)
            queue.append(t)
            return order.count - 1
        }
        for t in queue { _ = refer(t) }
        queue = order
        var bodies: [Int: Shape] = [:]
        while let term = queue.popLast() {
            let i = index[term]!
            if bodies[i] != nil { continue }
            var checks: [Check] = []
            func objects(_ name: String) -> [Term] { g.objects(term, .iri(sh + name)) }
            for d in objects("datatype") { checks.append(.datatype(d.lexical)) }
            for k in objects("nodeKind") { checks.append(.nodeKind(k.lexical.replacingOccurrences(of: sh, with: ""))) }
            for c in objects("class") { checks.append(.cls(c)) }
            for p in objects("pattern") {
                let flags = g.object(term, .iri(sh + "flags"))?.lexical ?? ""
                guard let re = try? NSRegularExpression(pattern: p.lexical, options: flags.contains("i") ? [.caseInsensitive] : []) else {
                    throw ShapeError(description: "sh:pattern \(p.lexical) is not a valid regular expression")
                }
                checks.append(.pattern(re))
            }
            for b in objects("minInclusive") { checks.append(.minInclusive(b)) }
            for b in objects("maxInclusive") { checks.append(.maxInclusive(b)) }
            for b in objects("minExclusive") { checks.append(.minExclusive(b)) }
            for b in objects("maxExclusive") { checks.append(.maxExclusive(b)) }
            for n in objects("node") { checks.append(.node(refer(n))) }
            for l in objects("in") { checks.append(.inList(Set(g.list(l)))) }
            for v in objects("hasValue") { checks.append(.hasValue(v)) }
            for l in objects("and") { checks.append(.and(g.list(l).map(refer))) }
            for l in objects("or") { checks.append(.or(g.list(l).map(refer))) }
            for l in objects("xone") { checks.append(.xone(g.list(l).map(refer))) }
            for n in objects("not") { checks.append(.not(refer(n))) }
            bodies[i] = Shape(term: term, message: g.object(term, .iri(sh + "message"))?.lexical,
                              path: g.object(term, .iri(sh + "path")),
                              minCount: g.object(term, .iri(sh + "minCount")).flatMap { Int($0.lexical) },
                              maxCount: g.object(term, .iri(sh + "maxCount")).flatMap { Int($0.lexical) },
                              checks: checks, properties: objects("property").map(refer),
                              targetClasses: objects("targetClass"), targetNodes: objects("targetNode"),
                              targetSubjectsOf: objects("targetSubjectsOf"), targetObjectsOf: objects("targetObjectsOf"))
        }
        self.compiled = order.indices.map { bodies[$0]! }
        self.roots = rootTerms.sorted().map { index[$0]! }
    }

    /// Validates a data graph.
    public func validate(_ data: [Triple]) -> Report {
        let d = Graph(data)
        var results: [Result] = []
        for root in roots {
            for focus in targets(of: compiled[root], in: d) { check(root, focus: focus, data: d, into: &results) }
        }
        return Report(results: results)
    }

    // MARK: - Targets

    private func targets(of shape: Shape, in d: Graph) -> [Term] {
        var out: Set<Term> = []
        for c in shape.targetClasses {
            for cls in d.subclasses(of: c) { out.formUnion(d.subjects(.iri(RDF.type), cls)) }
        }
        out.formUnion(shape.targetNodes)
        for p in shape.targetSubjectsOf { out.formUnion(d.subjects(with: p)) }
        for p in shape.targetObjectsOf { out.formUnion(d.objects(with: p)) }
        return out.sorted()
    }

    // MARK: - Checking

    /// Records every violation of shape `s` at `focus` (for a property shape: of the focus's values on its path).
    private func check(_ s: Int, focus: Term, data d: Graph, into results: inout [Result]) {
        let shape = compiled[s]
        if let path = shape.path {
            let values = d.objects(focus, path)
            if let min = shape.minCount, values.count < min {
                results.append(Result(focusNode: focus, path: path, value: nil, component: "MinCountConstraintComponent", sourceShape: shape.term, message: shape.message))
            }
            if let max = shape.maxCount, values.count > max {
                results.append(Result(focusNode: focus, path: path, value: nil, component: "MaxCountConstraintComponent", sourceShape: shape.term, message: shape.message))
            }
            for (component, value) in violations(shape, values: values, data: d) {
                results.append(Result(focusNode: focus, path: path, value: value, component: component, sourceShape: shape.term, message: shape.message))
            }
        } else {
            for (component, value) in violations(shape, values: [focus], data: d) {
                results.append(Result(focusNode: focus, path: nil, value: value, component: component, sourceShape: shape.term, message: shape.message))
            }
        }
        for p in shape.properties { check(p, focus: focus, data: d, into: &results) }
    }

    /// Whether `focus` conforms to shape `s`.
    private func conforms(_ focus: Term, to s: Int, data d: Graph) -> Bool {
        var results: [Result] = []
        check(s, focus: focus, data: d, into: &results)
        return results.isEmpty
    }

    /// The value constraints of a shape over `values`: (component, value) pairs.
    private func violations(_ shape: Shape, values: [Term], data d: Graph) -> [(String, Term?)] {
        var out: [(String, Term?)] = []
        for c in shape.checks {
            if case .hasValue(let required) = c {
                if !values.contains(required) { out.append((c.component, nil)) }
                continue
            }
            for v in values where !holds(c, v, data: d) { out.append((c.component, v)) }
        }
        return out
    }

    private func holds(_ c: Check, _ v: Term, data d: Graph) -> Bool {
        switch c {
        case .datatype(let dt): return Self.hasDatatype(v, dt)
        case .nodeKind(let k): return Self.hasKind(v, k)
        case .cls(let cls): return d.isInstance(v, of: cls)
        case .pattern(let re):
            if case .blank = v { return false }
            let text = v.lexical
            return re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        case .minInclusive(let b): return Self.compare(v, b).map { $0 >= 0 } ?? false
        case .maxInclusive(let b): return Self.compare(v, b).map { $0 <= 0 } ?? false
        case .minExclusive(let b): return Self.compare(v, b).map { $0 > 0 } ?? false
        case .maxExclusive(let b): return Self.compare(v, b).map { $0 < 0 } ?? false
        case .node(let s): return conforms(v, to: s, data: d)
        case .inList(let allowed): return allowed.contains(v)
        case .hasValue(let required): return v == required
        case .and(let shapes): return shapes.allSatisfy { conforms(v, to: $0, data: d) }
        case .or(let shapes): return shapes.contains { conforms(v, to: $0, data: d) }
        case .xone(let shapes): return shapes.filter { conforms(v, to: $0, data: d) }.count == 1
        case .not(let s): return !conforms(v, to: s, data: d)
        }
    }

    // MARK: - Value tests

    static func hasKind(_ v: Term, _ k: String) -> Bool {
        switch v {
        case .iri: return ["IRI", "BlankNodeOrIRI", "IRIOrLiteral"].contains(k)
        case .blank: return ["BlankNode", "BlankNodeOrIRI", "BlankNodeOrLiteral"].contains(k)
        case .literal: return ["Literal", "BlankNodeOrLiteral", "IRIOrLiteral"].contains(k)
        }
    }

    static func hasDatatype(_ v: Term, _ dt: String) -> Bool {
        guard case .literal(let lex, let datatype, let language) = v else { return false }
        let actual = language != nil ? RDF.langString : (datatype ?? XSD.string)
        guard actual == dt else { return false }
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
