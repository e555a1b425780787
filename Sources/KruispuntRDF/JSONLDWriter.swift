import Foundation

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
        let layout = JSONLDLayout(quads)
        var out = "{\n  \"@context\": "
        switch context {
        case .inline: out += JSONLDContext.object(indent: "  ")
        case .url(let url): JSONText.append(url, to: &out)
        }
        let defaultGraph = layout.graphs[0]
        if layout.graphs.count == 1, defaultGraph.roots.count == 1 {
            // One resource: its node object is the document.
            appendProperties(of: defaultGraph.roots[0], in: defaultGraph, layout, indent: "  ", to: &out)
            return out + "\n}\n"
        }
        out += ",\n  \"@graph\": ["
        var first = true
        for root in defaultGraph.roots {
            out += first ? "\n    {" : ",\n    {"
            first = false
            appendProperties(of: root, in: defaultGraph, layout, indent: "      ", to: &out, leadingComma: false)
            out += "\n    }"
        }
        for graph in layout.graphs.dropFirst() {
            out += first ? "\n    {" : ",\n    {"
            first = false
            out += "\n      \"@id\": "; JSONText.append(Self.compact(layout.nodes[graph.name]), to: &out)
            out += ",\n      \"@graph\": ["
            for (i, root) in graph.roots.enumerated() {
                out += i == 0 ? "\n        {" : ",\n        {"
                appendProperties(of: root, in: graph, layout, indent: "          ", to: &out, leadingComma: false)
                out += "\n        }"
            }
            out += "\n      ]\n    }"
        }
        return out + "\n  ]\n}\n"
    }

    /// `"@id"` (unless embedded) and the properties of an entry, each line starting with `indent`;
    /// `@type` first, as people expect to read it.
    private func appendProperties(of entry: Int, in graph: JSONLDLayout.Graph, _ layout: JSONLDLayout, indent: String,
                                  to out: inout String, leadingComma: Bool = true, embedded: Bool = false) {
        let node = graph.entries[entry]
        var separator = leadingComma ? ",\n" : "\n"
        if !embedded {
            out += separator + indent + "\"@id\": "; JSONText.append(Self.compact(layout.nodes[node.node]), to: &out)
            separator = ",\n"
        }
        func member(_ key: String, _ coercion: JSONLDContext.Coercion, _ triples: [Int], types: Bool = false) {
            out += separator + indent; separator = ",\n"
            JSONText.append(key, to: &out); out += ": "
            if triples.count > 1 { out += "[" }
            for (i, t) in triples.enumerated() {
                if i > 0 { out += ", " }
                if types { JSONText.append(compactType(layout.objects[t]), to: &out); continue }
                appendValue(t, coercion: coercion, graph: graph, layout, indent: indent, to: &out)
            }
            if triples.count > 1 { out += "]" }
        }
        let typeGroup = node.groups.firstIndex { layout.predicates[$0.predicate].isType }
        if let typeGroup {
            let group = node.groups[typeGroup], key = layout.predicates[group.predicate].key
            let types = group.triples.filter { !layout.objects[$0].isLiteral }
            if !types.isEmpty { member("@type", .id, types, types: true) }
            let literals = group.triples.filter { layout.objects[$0].isLiteral }
            if !literals.isEmpty { member(key, .none, literals) }
        }
        for (index, group) in node.groups.enumerated() where index != typeGroup {
            let predicate = layout.predicates[group.predicate]
            guard let d = predicate.definition else { member(predicate.key, .none, group.triples); continue }
            // The term applies to the values its coercion accepts; the others use the compact IRI.
            let accepted = group.triples.filter { accepts(d.coercion, layout.objects[$0]) }
            if accepted.count == group.triples.count { member(d.term, d.coercion, accepted); continue }
            let others = group.triples.filter { !accepts(d.coercion, layout.objects[$0]) }
            if accepted.isEmpty { member(predicate.key, .none, others); continue }
            if accepted[0] == group.triples[0] {
                member(d.term, d.coercion, accepted); member(predicate.key, .none, others)
            } else {
                member(predicate.key, .none, others); member(d.term, d.coercion, accepted)
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

    private func appendValue(_ triple: Int, coercion: JSONLDContext.Coercion, graph: JSONLDLayout.Graph,
                             _ layout: JSONLDLayout, indent: String, to out: inout String) {
        let term = layout.objects[triple], node = layout.objectNodes[triple]
        switch term {
        case .blank where node >= 0 && layout.embeddedEntry[node] >= 0:
            out += "{"
            appendProperties(of: layout.embeddedEntry[node], in: graph, layout, indent: indent + "  ", to: &out,
                             leadingComma: false, embedded: true)
            out += "\n" + indent + "}"
        case .iri, .blank:
            if coercion == .id { JSONText.append(Self.compact(term), to: &out); return }
            out += "{\"@id\": "; JSONText.append(Self.compact(term), to: &out); out += "}"
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
        return Self.compact(term)
    }

    /// An IRI compacted, a blank node as `_:label`.
    static func compact(_ term: Term) -> String {
        switch term {
        case .iri(let iri): return compact(iri)
        case .blank(let label): return "_:" + label
        case .literal(let value, _, _): return value
        }
    }

    /// `prefix:local` when a prefix matches and the result cannot be misread, else the full IRI.
    public func compactIRI(_ iri: String) -> String { Self.compact(iri) }

    private static let namespaces = standardPrefixes.map { (prefix: $0.prefix + ":", bytes: Array($0.namespace.utf8)) }

    static func compact(_ iri: String) -> String {
        var utf8 = iri
        let compacted: String? = utf8.withUTF8 { bytes in
            for (prefix, ns) in namespaces where bytes.count > ns.count && bytes[0] == ns[0] {
                guard ns.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress!, ns.count) == 0 }) else { continue }
                let local = UnsafeBufferPointer(rebasing: bytes[ns.count...])
                if local.count >= 2 && local[0] == 0x2F && local[1] == 0x2F { continue }
                return prefix + String(decoding: local, as: UTF8.self)
            }
            return nil
        }
        return compacted ?? iri
    }
}
