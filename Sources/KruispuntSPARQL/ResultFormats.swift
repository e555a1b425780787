import KruispuntRDF

/// The SPARQL 1.1 result formats for SELECT and ASK: JSON, XML, CSV and TSV.
public enum SPARQLResultFormat: String, Sendable, CaseIterable {
    case json, xml, csv, tsv

    public var mediaType: String {
        switch self {
        case .json: return "application/sparql-results+json"
        case .xml: return "application/sparql-results+xml"
        case .csv: return "text/csv"
        case .tsv: return "text/tab-separated-values"
        }
    }

    /// The format a `format=` parameter or an Accept header asks for (JSON when it names none
    /// of them); nil when the client accepts none.
    public static func negotiate(accept: String?, format: String?) -> SPARQLResultFormat? {
        if let format {
            let f = format.lowercased()
            return allCases.first { $0.rawValue == f || $0.mediaType == f } ?? (f == "srj" ? .json : f == "srx" ? .xml : nil)
        }
        guard let accept, !accept.isEmpty else { return .json }
        var best: (SPARQLResultFormat, Double)?
        for part in accept.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            let type = pieces[0].lowercased()
            let q = pieces.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            let match: SPARQLResultFormat?
            switch type {
            case "application/sparql-results+json", "application/json": match = .json
            case "application/sparql-results+xml", "application/xml", "text/xml": match = .xml
            case "text/csv": match = .csv
            case "text/tab-separated-values": match = .tsv
            case "*/*", "application/*": match = .json
            default: match = nil
            }
            if let match, q > 0, q > (best?.1 ?? 0) { best = (match, q) }
        }
        return best?.0
    }

    /// Writes an answer; `truncated` is stated where the format has room for it (JSON: a
    /// `kruispunt:truncated` member; XML: a `<link>`), and in every format by the caller's header.
    public func write(_ result: SPARQLResult) -> String {
        switch (self, result) {
        case (.json, .boolean(let b)): return "{\"head\": {}, \"boolean\": \(b)}\n"
        case (.xml, .boolean(let b)):
            return "<?xml version=\"1.0\"?>\n<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">\n  <head/>\n  <boolean>\(b)</boolean>\n</sparql>\n"
        case (.csv, .boolean(let b)): return "_askResult\r\n\(b)\r\n"
        case (.tsv, .boolean(let b)): return "?_askResult\n\(b)\n"
        case (_, .bindings(let variables, let rows, let truncated)):
            switch self {
            case .json: return Self.json(variables, rows, truncated)
            case .xml: return Self.xml(variables, rows, truncated)
            case .csv: return Self.csv(variables, rows)
            case .tsv: return Self.tsv(variables, rows)
            }
        case (_, .graph):
            return ""
        }
    }

    private static func json(_ variables: [String], _ rows: [[Term?]], _ truncated: Bool) -> String {
        var out = "{\"head\": {\"vars\": [" + variables.map { JSONText.quoted($0) }.joined(separator: ", ") + "]"
        // Room for the whole answer at once (about 90 bytes a binding): growing a string of
        // megabytes step by step costs more than writing it.
        out.reserveCapacity(256 + rows.count * max(1, variables.count) * 96)
        let names = variables.map { JSONText.quoted($0) + ": " }
        if truncated { out += ", \"link\": [\"https://kruispunt.vlaanderen.be/ns#truncated\"]" }
        out += "},\n \"results\": {\"bindings\": ["
        for (i, row) in rows.enumerated() {
            out += i == 0 ? "\n  {" : ",\n  {"
            var first = true
            for (name, term) in zip(names, row) {
                guard let term else { continue }
                if !first { out += ", " }
                first = false
                out += name
                // Pieces appended in place, no string built per value.
                switch term {
                case .iri(let iri):
                    out += "{\"type\": \"uri\", \"value\": "
                    JSONText.append(iri, to: &out)
                case .blank(let label):
                    out += "{\"type\": \"bnode\", \"value\": "
                    JSONText.append(label, to: &out)
                case .literal(let value, let datatype, let language):
                    out += "{\"type\": \"literal\", \"value\": "
                    JSONText.append(value, to: &out)
                    if let language { out += ", \"xml:lang\": "; JSONText.append(language, to: &out) }
                    else if let datatype { out += ", \"datatype\": "; JSONText.append(datatype, to: &out) }
                }
                out += "}"
            }
            out += "}"
        }
        out += "\n ]}}\n"
        return out
    }

    private static func escapeXML(_ s: String) -> String { XMLText.escape(s) }

    private static func xml(_ variables: [String], _ rows: [[Term?]], _ truncated: Bool) -> String {
        var out = "<?xml version=\"1.0\"?>\n<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">\n  <head>\n"
        for v in variables { out += "    <variable name=\"\(escapeXML(v))\"/>\n" }
        if truncated { out += "    <link href=\"https://kruispunt.vlaanderen.be/ns#truncated\"/>\n" }
        out += "  </head>\n  <results>\n"
        for row in rows {
            out += "    <result>\n"
            for (v, term) in zip(variables, row) {
                guard let term else { continue }
                out += "      <binding name=\"\(escapeXML(v))\">"
                switch term {
                case .iri(let iri): out += "<uri>\(escapeXML(iri))</uri>"
                case .blank(let label): out += "<bnode>\(escapeXML(label))</bnode>"
                case .literal(let value, let datatype, let language):
                    out += "<literal"
                    if let language { out += " xml:lang=\"\(escapeXML(language))\"" } else if let datatype { out += " datatype=\"\(escapeXML(datatype))\"" }
                    out += ">\(escapeXML(value))</literal>"
                }
                out += "</binding>\n"
            }
            out += "    </result>\n"
        }
        return out + "  </results>\n</sparql>\n"
    }

    /// CSV (RFC 4180, CRLF): values only, no datatypes or languages.
    private static func csv(_ variables: [String], _ rows: [[Term?]]) -> String {
        func field(_ s: String) -> String {
            // Bytes, not characters: most fields need no quotes, and reading them as bytes is fast.
            s.utf8.contains(where: { $0 == 44 || $0 == 34 || $0 == 10 || $0 == 13 }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        var out = variables.map(field).joined(separator: ",") + "\r\n"
        out.reserveCapacity(out.utf8.count + rows.count * max(1, variables.count) * 40)
        for row in rows {
            out += row.map { term -> String in
                switch term {
                case .none: return ""
                case .iri(let iri)?: return field(iri)
                case .blank(let label)?: return field("_:" + label)
                case .literal(let value, _, _)?: return field(value)
                }
            }.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// TSV: terms in Turtle/N-Triples syntax, numbers in their short form.
    private static func tsv(_ variables: [String], _ rows: [[Term?]]) -> String {
        var out = variables.map { "?" + $0 }.joined(separator: "\t") + "\n"
        for row in rows {
            out += row.map { term -> String in
                guard let term else { return "" }
                if case .literal(let value, let datatype?, nil) = term,
                   [XSD.integer, XSD.decimal, XSD.double].contains(datatype), Double(value) != nil,
                   datatype != XSD.decimal || value.contains(".") {
                    return value
                }
                return term.ntriples
            }.joined(separator: "\t") + "\n"
        }
        return out
    }
}
