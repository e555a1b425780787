/// Writes compacted JSON-LD 1.1 with Kruispunt's context (`JSONLDContext`): short terms for the
/// project's own properties, compact IRIs for the rest, native numbers and booleans where they
/// round-trip exactly, and blank nodes used once embedded in the node that points to them.
/// Any JSON-LD processor expands the output to exactly the quads it was written from.
///
/// ```swift
/// let json = JSONLDWriter(context: .url(iris.base + JSONLDContext.path)).write(quads)
/// ```
public struct JSONLDWriter: Sendable {
    /// Where the context comes from: inline (a self-contained document) or by reference to the
    /// published context.
    public enum ContextReference: Sendable, Equatable {
        case inline
        case url(String)
    }

    public var context: ContextReference

    public init(context: ContextReference = .inline) {
        self.context = context
    }

    /// Serialises quads; a named graph becomes a `{"@id": g, "@graph": [...]}` node.
    public func write(_ quads: [Quad]) -> String {
        var graphOrder: [Term?] = []
        var byGraph: [Term?: [Triple]] = [:]
        for q in quads {
            if byGraph[q.graph] == nil { graphOrder.append(q.graph) }
            byGraph[q.graph, default: []].append(q.triple)
        }
        var out = "{\n  \"@context\": "
        switch context {
        case .inline: out += JSONLDContext.object(indent: "  ")
        case .url(let url): JSONText.append(url, to: &out)
        }
        // Blank nodes are shared by the whole dataset: one used more than once anywhere (an
        // object of rdf:type counts twice: an @type string cannot embed it), or described in
        // several graphs, or naming a graph, keeps its label and is not embedded.
        var uses: [Term: Int] = [:]
        var homes: [Term: Term?] = [:]
        var shared: Set<Term> = []
        for q in quads {
            if case .blank = q.object { uses[q.object, default: 0] += q.predicate == .iri(RDF.type) ? 2 : 1 }
            if case .blank? = q.graph { shared.insert(q.graph!) }
            if case .blank = q.subject {
                if let home = homes[q.subject], home != q.graph { shared.insert(q.subject) } else { homes[q.subject] = q.graph }
            }
        }
        for (b, n) in uses where n > 1 { shared.insert(b) }
        let defaultNodes = NodeTree(byGraph[nil] ?? [], shared: shared)
        let named = graphOrder.compactMap { $0 }
        if named.isEmpty, defaultNodes.roots.count == 1 {
            // One resource: its node object is the document.
            appendProperties(of: defaultNodes.roots[0], in: defaultNodes, indent: "  ", to: &out)
            return out + "\n}\n"
        }
        out += ",\n  \"@graph\": ["
        var first = true
        for root in defaultNodes.roots {
            out += first ? "\n    {" : ",\n    {"
            first = false
            appendProperties(of: root, in: defaultNodes, indent: "      ", to: &out, leadingComma: false)
            out += "\n    }"
        }
        for graph in named {
            let nodes = NodeTree(byGraph[graph] ?? [], shared: shared)
            out += first ? "\n    {" : ",\n    {"
            first = false
            out += "\n      \"@id\": "; JSONText.append(compactIRI(graph), to: &out)
            out += ",\n      \"@graph\": ["
            for (i, root) in nodes.roots.enumerated() {
                out += i == 0 ? "\n        {" : ",\n        {"
                appendProperties(of: root, in: nodes, indent: "          ", to: &out, leadingComma: false)
                out += "\n        }"
            }
            out += "\n      ]\n    }"
        }
        return out + "\n  ]\n}\n"
    }

    /// `"@id"` (unless embedded) and the properties of `subject`, each line starting with `indent`.
    private func appendProperties(of subject: Term, in nodes: NodeTree, indent: String, to out: inout String,
                                  leadingComma: Bool = true, embedded: Bool = false) {
        var separator = leadingComma ? ",\n" : "\n"
        if !embedded {
            out += separator + indent + "\"@id\": "; JSONText.append(compactIRI(subject), to: &out)
            separator = ",\n"
        }
        let properties = nodes.properties[subject] ?? []
        // @type first, as people expect to read it.
        for (predicate, objects) in properties.filter({ $0.0 == .iri(RDF.type) }) + properties.filter({ $0.0 != .iri(RDF.type) }) {
            var groups: [(key: String, coercion: JSONLDContext.Coercion, values: [Term])] = []
            if predicate == .iri(RDF.type) {
                let types = objects.filter { !$0.isLiteral }
                if !types.isEmpty { groups.append(("@type", .id, types)) }
                let literals = objects.filter(\.isLiteral)
                if !literals.isEmpty { groups.append((compactIRI(predicate), .none, literals)) }
            } else {
                let definition = predicate.iriValue.flatMap { JSONLDContext.byIRI[$0] }
                for o in objects {
                    let (key, coercion) = definition.flatMap { accepts($0.coercion, o) ? ($0.term, $0.coercion) : nil }
                        ?? (compactIRI(predicate), .none)
                    if let i = groups.firstIndex(where: { $0.key == key }) { groups[i].values.append(o) }
                    else { groups.append((key, coercion, [o])) }
                }
            }
            for group in groups {
                out += separator + indent; separator = ",\n"
                JSONText.append(group.key, to: &out); out += ": "
                if group.values.count > 1 { out += "[" }
                for (i, value) in group.values.enumerated() {
                    if i > 0 { out += ", " }
                    if group.key == "@type" { JSONText.append(compactType(value), to: &out); continue }
                    appendValue(value, coercion: group.coercion, nodes: nodes, indent: indent, to: &out)
                }
                if group.values.count > 1 { out += "]" }
            }
        }
    }

    private func accepts(_ coercion: JSONLDContext.Coercion, _ term: Term) -> Bool {
        switch (coercion, term) {
        case (.none, _): return true
        case (.id, .iri), (.id, .blank): return true
        case (.datatype(let d), .literal(_, let dt, nil)): return dt == d
        default: return false
        }
    }

    private func appendValue(_ term: Term, coercion: JSONLDContext.Coercion, nodes: NodeTree, indent: String,
                             to out: inout String) {
        switch term {
        case .blank where nodes.embedded.contains(term):
            out += "{"
            appendProperties(of: term, in: nodes, indent: indent + "  ", to: &out, leadingComma: false, embedded: true)
            out += "\n" + indent + "}"
        case .iri, .blank:
            if coercion == .id { JSONText.append(compactIRI(term), to: &out); return }
            out += "{\"@id\": "; JSONText.append(compactIRI(term), to: &out); out += "}"
        case .literal(let value, let datatype, let language):
            if case .datatype = coercion { JSONText.append(value, to: &out); return }
            if let language {
                out += "{\"@value\": "; JSONText.append(value, to: &out)
                out += ", \"@language\": "; JSONText.append(language, to: &out); out += "}"
                return
            }
            switch datatype ?? XSD.string {
            case XSD.string: JSONText.append(value, to: &out)
            case XSD.integer where Self.isNativeInteger(value): out += value
            case XSD.boolean where value == "true" || value == "false": out += value
            case let dt:
                out += "{\"@value\": "; JSONText.append(value, to: &out)
                out += ", \"@type\": "; JSONText.append(compactType(.iri(dt)), to: &out); out += "}"
            }
        }
    }

    /// An integer literal that a JSON number carries exactly (canonical, at most 15 digits).
    static func isNativeInteger(_ s: String) -> Bool {
        let digits = s.hasPrefix("-") ? s.utf8.dropFirst() : s.utf8[...]
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
        if digits.first == 48 { return digits.count == 1 && !s.hasPrefix("-") }
        return true
    }

    /// A class or datatype: its term when the context has one, else a compact IRI.
    private func compactType(_ term: Term) -> String {
        if let iri = term.iriValue, let d = JSONLDContext.byIRI[iri], d.coercion == .none,
           d.term.first?.isUppercase == true { return d.term }
        return compactIRI(term)
    }

    private func compactIRI(_ term: Term) -> String {
        switch term {
        case .iri(let iri): return compactIRI(iri)
        case .blank(let label): return "_:" + label
        case .literal(let value, _, _): return value
        }
    }

    /// `prefix:local` when a prefix matches and the result cannot be misread, else the full IRI.
    public func compactIRI(_ iri: String) -> String {
        let bytes = iri.utf8
        for (prefix, ns) in standardPrefixes where bytes.count > ns.utf8.count && bytes.starts(with: ns.utf8) {
            let local = bytes.dropFirst(ns.utf8.count)
            if local.starts(with: "//".utf8) { continue }
            return prefix + ":" + String(decoding: local, as: UTF8.self)
        }
        return iri
    }
}

/// The triples of one graph as node objects: which subjects are written at the top and which
/// blank nodes are embedded where they are used (those used exactly once, outside cycles).
private struct NodeTree {
    var roots: [Term] = []
    var properties: [Term: [(Term, [Term])]] = [:]
    var embedded: Set<Term> = []

    init(_ triples: [Triple], shared: Set<Term>) {
        var subjects: [Term] = []
        var usedHere: Set<Term> = []
        for t in triples {
            if properties[t.subject] == nil { subjects.append(t.subject); properties[t.subject] = [] }
            if let i = properties[t.subject]!.firstIndex(where: { $0.0 == t.predicate }) {
                properties[t.subject]![i].1.append(t.object)
            } else {
                properties[t.subject]!.append((t.predicate, [t.object]))
            }
            if case .blank = t.object { usedHere.insert(t.object) }
        }
        var candidates = Set(subjects.filter { s in
            if case .blank = s { return usedHere.contains(s) && !shared.contains(s) } else { return false }
        })
        roots = subjects.filter { !candidates.contains($0) }
        // A blank node reached from no root (a cycle of blank nodes) becomes a root itself.
        var reached: Set<Term> = []
        func visit(_ node: Term) {
            for (_, objects) in properties[node] ?? [] {
                for o in objects where candidates.contains(o) && reached.insert(o).inserted { visit(o) }
            }
        }
        roots.forEach(visit)
        for s in subjects where candidates.contains(s) && !reached.contains(s) {
            candidates.remove(s)
            roots.append(s)
            visit(s)
        }
        embedded = candidates
    }
}
