/// N-Triples and N-Quads writing (RDF 1.1 canonical escaping).
public enum NTriples {
    /// Appends a term in N-Triples syntax.
    public static func append(_ term: Term, to out: inout String) {
        switch term {
        case .iri(let iri):
            out += "<"; appendIRI(iri, to: &out); out += ">"
        case .blank(let label):
            out += "_:"; out += label
        case .literal(let value, let datatype, let language):
            out += "\""; appendEscaped(value, to: &out); out += "\""
            if let language { out += "@"; out += language }
            else if let datatype, datatype != XSD.string { out += "^^<"; appendIRI(datatype, to: &out); out += ">" }
        }
    }

    /// Appends one N-Triples line (with newline).
    public static func append(_ triple: Triple, to out: inout String) {
        append(triple.subject, to: &out); out += " "
        append(triple.predicate, to: &out); out += " "
        append(triple.object, to: &out); out += " .\n"
    }

    /// Appends one N-Quads line (with newline); the default graph has no fourth term.
    public static func append(_ quad: Quad, to out: inout String) {
        append(quad.subject, to: &out); out += " "
        append(quad.predicate, to: &out); out += " "
        append(quad.object, to: &out)
        if let g = quad.graph { out += " "; append(g, to: &out) }
        out += " .\n"
    }

    /// Serialises triples as N-Triples.
    public static func serialize(_ triples: [Triple]) -> String {
        var out = ""
        out.reserveCapacity(triples.count * 120)
        for t in triples { append(t, to: &out) }
        return out
    }

    private static func appendIRI(_ iri: String, to out: inout String) {
        // Almost every IRI needs no escape: append it whole.
        if !iri.utf8.contains(where: { needsIRIEscape[Int($0)] }) { out += iri; return }
        for u in iri.unicodeScalars {
            switch u {
            case "<", ">", "\"", "{", "}", "|", "^", "`", "\\", " ":
                appendUnicodeEscape(u.value, to: &out)
            default:
                if u.value <= 0x20 { appendUnicodeEscape(u.value, to: &out) } else { out.unicodeScalars.append(u) }
            }
        }
    }

    /// UTF-8 bytes an IRI cannot hold as they are (bytes of multi-byte characters can).
    private static let needsIRIEscape: [Bool] = (0..<256).map { b in b <= 0x20 || "<>\"{}|^`\\".utf8.contains(UInt8(b)) }
    /// UTF-8 bytes a literal cannot hold as they are.
    private static let needsLiteralEscape: [Bool] = (0..<256).map { b in b < 0x20 || b == 0x7F || b == 0x22 || b == 0x5C }

    private static func appendEscaped(_ value: String, to out: inout String) {
        if !value.utf8.contains(where: { needsLiteralEscape[Int($0)] }) { out += value; return }
        for u in value.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\u{08}": out += "\\b"
            case "\t": out += "\\t"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 || u.value == 0x7F { appendUnicodeEscape(u.value, to: &out) }
                else { out.unicodeScalars.append(u) }
            }
        }
    }

    private static func appendUnicodeEscape(_ value: UInt32, to out: inout String) {
        let hex = String(value, radix: 16, uppercase: true)
        out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
