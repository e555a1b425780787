/// Writes JSON-LD 1.1 in flattened form with a prefix context: one node object per subject,
/// every value explicit (`@id`, or `@value` with `@type`/`@language`), so that any JSON-LD
/// processor turns it back into exactly the triples it came from.
///
/// ```swift
/// let json = JSONLDWriter().write(quads)
/// ```
public struct JSONLDWriter: Sendable {
    public var prefixes: [(prefix: String, namespace: String)]

    public init(prefixes: [(prefix: String, namespace: String)] = standardPrefixes) {
        self.prefixes = prefixes
    }

    /// Serialises quads; named graphs become `{"@id": g, "@graph": [...]}` entries.
    public func write(_ quads: [Quad]) -> String {
        var graphOrder: [Term?] = []
        var byGraph: [Term?: [Triple]] = [:]
        for q in quads {
            if byGraph[q.graph] == nil { graphOrder.append(q.graph) }
            byGraph[q.graph, default: []].append(q.triple)
        }
        var out = "{\n  \"@context\": {"
        for (i, p) in prefixes.enumerated() {
            out += i == 0 ? "\n    " : ",\n    "
            appendString(p.prefix, to: &out); out += ": "; appendString(p.namespace, to: &out)
        }
        out += "\n  },\n  \"@graph\": ["
        var first = true
        for graph in graphOrder {
            let triples = byGraph[graph] ?? []
            if let graph {
                out += first ? "\n" : ",\n"
                first = false
                out += "    {\"@id\": "; appendString(compact(graph), to: &out); out += ", \"@graph\": ["
                appendNodes(triples, indent: "      ", to: &out)
                out += "\n    ]}"
            } else if !triples.isEmpty {
                if !first { out += "," }
                first = false
                appendNodes(triples, indent: "    ", to: &out)
            }
        }
        out += "\n  ]\n}\n"
        return out
    }

    private func appendNodes(_ triples: [Triple], indent: String, to out: inout String) {
        var subjectOrder: [Term] = []
        var nodes: [Term: [(Term, [Term])]] = [:]
        for t in triples {
            if nodes[t.subject] == nil { subjectOrder.append(t.subject); nodes[t.subject] = [] }
            if let i = nodes[t.subject]!.firstIndex(where: { $0.0 == t.predicate }) {
                nodes[t.subject]![i].1.append(t.object)
            } else {
                nodes[t.subject]!.append((t.predicate, [t.object]))
            }
        }
        for (n, subject) in subjectOrder.enumerated() {
            out += n == 0 ? "\n" : ",\n"
            out += indent + "{\"@id\": "; appendString(compact(subject), to: &out)
            for (predicate, objects) in nodes[subject] ?? [] {
                out += ",\n" + indent + "  "
                if predicate == .iri(RDF.type), objects.allSatisfy({ !$0.isLiteral }) {
                    out += "\"@type\": ["
                    for (i, o) in objects.enumerated() {
                        if i > 0 { out += ", " }
                        appendString(compact(o), to: &out)
                    }
                    out += "]"
                    continue
                }
                appendString(compact(predicate), to: &out); out += ": ["
                for (i, o) in objects.enumerated() {
                    if i > 0 { out += ", " }
                    appendValue(o, to: &out)
                }
                out += "]"
            }
            out += "}"
        }
    }

    private func appendValue(_ term: Term, to out: inout String) {
        switch term {
        case .iri, .blank:
            out += "{\"@id\": "; appendString(compact(term), to: &out); out += "}"
        case .literal(let value, let datatype, let language):
            out += "{\"@value\": "; appendString(value, to: &out)
            if let language { out += ", \"@language\": "; appendString(language, to: &out) }
            else if let datatype, datatype != XSD.string {
                out += ", \"@type\": "; appendString(compactIRI(datatype), to: &out)
            }
            out += "}"
        }
    }

    private func compact(_ term: Term) -> String {
        switch term {
        case .iri(let iri): return compactIRI(iri)
        case .blank(let label): return "_:" + label
        case .literal(let value, _, _): return value
        }
    }

    /// `prefix:local` when a prefix matches and the result cannot be misread, else the full IRI.
    func compactIRI(_ iri: String) -> String {
        for (prefix, ns) in prefixes where iri.hasPrefix(ns) {
            let local = iri.dropFirst(ns.count)
            if local.isEmpty || local.hasPrefix("//") { continue }
            return prefix + ":" + local
        }
        return iri
    }

    private func appendString(_ s: String, to out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}
