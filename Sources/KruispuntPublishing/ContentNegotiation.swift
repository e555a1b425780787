import Foundation
import KruispuntRDF

/// Picks the RDF syntax for a response from an Accept header (RFC 9110 quality values).
/// Turtle is the default for `*/*` and for a missing header; nil means nothing acceptable (406).
public enum ContentNegotiation {
    /// The syntaxes Linked Data responses are offered in, preferred first.
    public static let offered: [RDFSyntax] = [.turtle, .ntriples, .jsonld, .nquads, .trig]

    /// Whether a person's browser asked: `text/html` (or XHTML) named explicitly, at least as
    /// wanted as every RDF media type named (wildcards do not count), and no `?format=`.
    public static func prefersHTML(accept: String?, format: String? = nil) -> Bool {
        if let format { return format.lowercased() == "html" }
        guard let accept else { return false }
        var html = 0.0, rdf = 0.0
        for part in accept.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = pieces.first?.lowercased() else { continue }
            var q = 1.0
            for p in pieces.dropFirst() where p.lowercased().hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            if type == "text/html" || type == "application/xhtml+xml" { html = max(html, q) }
            else if let s = RDFSyntax(name: type), offered.contains(s) { rdf = max(rdf, q) }
        }
        return html > 0 && html >= rdf
    }

    public static func syntax(accept: String?, format: String? = nil) -> RDFSyntax? {
        if let format, let s = RDFSyntax(name: format), offered.contains(s) { return s }
        guard let accept, !accept.trimmingCharacters(in: .whitespaces).isEmpty else { return .turtle }
        var best: (syntax: RDFSyntax, q: Double, order: Int)?
        for part in accept.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = pieces.first?.lowercased() else { continue }
            var q = 1.0
            for p in pieces.dropFirst() where p.lowercased().hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            if q <= 0 { continue }
            let candidates: [RDFSyntax]
            switch type {
            case "*/*", "text/*": candidates = [.turtle]
            case "application/*": candidates = [.ntriples, .jsonld, .nquads, .trig]
            case "application/json": candidates = [.jsonld]
            case "text/plain": candidates = [.ntriples]
            default: candidates = RDFSyntax(name: type).map { offered.contains($0) ? [$0] : [] } ?? []
            }
            for c in candidates {
                let order = offered.firstIndex(of: c) ?? 99
                // Wildcards lose against an explicit type with the same quality.
                let qEff = type.contains("*") ? q - 0.0001 : q
                if best == nil || qEff > best!.q || (qEff == best!.q && order < best!.order) {
                    best = (c, qEff, order)
                }
            }
        }
        return best?.syntax
    }
}
