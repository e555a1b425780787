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
        prefers(["text/html", "application/xhtml+xml"], named: "html", accept: accept, format: format)
    }

    /// Whether the client asked for CSV (`?format=csv`, or `text/csv` named and at least as
    /// wanted as every RDF media type named).
    public static func prefersCSV(accept: String?, format: String? = nil) -> Bool {
        prefers(["text/csv"], named: "csv", accept: accept, format: format)
    }

    /// Whether one of `types` is named in Accept at least as wanted as every RDF media type
    /// named (wildcards do not count), or `?format=` is `name`.
    static func prefers(_ types: Set<String>, named name: String, accept: String?, format: String?) -> Bool {
        if let format { return format.lowercased() == name }
        guard let accept else { return false }
        var wanted = 0.0, rdf = 0.0
        for part in accept.split(separator: ",") {
            let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let type = pieces.first?.lowercased() else { continue }
            var q = 1.0
            for p in pieces.dropFirst() where p.lowercased().hasPrefix("q=") { q = Double(p.dropFirst(2)) ?? 0 }
            if types.contains(type) { wanted = max(wanted, q) }
            else if let s = RDFSyntax(name: type), offered.contains(s) { rdf = max(rdf, q) }
        }
        return wanted > 0 && wanted >= rdf
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
