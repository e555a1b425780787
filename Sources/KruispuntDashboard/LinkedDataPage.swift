import KruispuntRDF

/// A Linked Data resource as a page for people who click a link (Dutch first): the same triples
/// as the RDF syntaxes, grouped by subject, every IRI a link, short prefixed names for known
/// vocabularies, and links to the machine-readable formats of the same URL.
public struct LinkedDataPage: Sendable {
    public let url: String
    public let quads: [Quad]

    public init(url: String, quads: [Quad]) {
        self.url = url
        self.quads = quads
    }

    public func render() -> String {
        let e = HTML.escape
        var subjects: [Term] = []
        var bySubject: [Term: [Quad]] = [:]
        for q in quads {
            if bySubject[q.subject] == nil { subjects.append(q.subject) }
            bySubject[q.subject, default: []].append(q)
        }
        // The resource itself first, then the others in the order they came.
        if let i = subjects.firstIndex(of: .iri(url)) { subjects.insert(subjects.remove(at: i), at: 0) }
        var body = ""
        for subject in subjects {
            body += "  <section>\n    <h2>\(link(subject))</h2>\n    <table>\n"
            body += "      <thead><tr><th scope=\"col\">Eigenschap / property</th><th scope=\"col\">Waarde / value</th></tr></thead>\n      <tbody>\n"
            for q in bySubject[subject] ?? [] {
                body += "        <tr><th scope=\"row\">\(link(q.predicate))</th><td>\(link(q.object))"
                if let g = q.graph { body += " <small>(graaf / graph \(link(g)))</small>" }
                body += "</td></tr>\n"
            }
            body += "      </tbody>\n    </table>\n  </section>\n"
        }
        let formats = [("Turtle", "turtle"), ("N-Triples", "ntriples"), ("N-Quads", "nquads"), ("TriG", "trig"), ("JSON-LD", "jsonld")]
        let separator = url.contains("?") ? "&" : "?"
        let alternates = formats.map { name, format in
            "<a href=\"\(e(url + separator + "format=" + format))\">\(name)</a>"
        }.joined(separator: " · ")
        return HTML.head(title: "Kruispunt: " + url, turtle: url + separator + "format=turtle") + """
            <header>
              <h1>\(e(url))</h1>
              <p>Linked Data van Kruispunt: \(quads.count) triples. Dezelfde gegevens voor machines / the same data for machines: \(alternates)</p>
            </header>
            <main>
            \(body)</main>
            </body>
            </html>

            """
    }

    private func link(_ term: Term) -> String {
        let e = HTML.escape
        switch term {
        case .iri(let iri):
            return "<a href=\"\(e(iri))\">\(e(JSONLDWriter().compactIRI(iri)))</a>"
        case .blank(let label):
            return "<span class=\"blank\">_:\(e(label))</span>"
        case .literal(let value, let datatype, let language):
            var out = "<span class=\"literal\"" + (language.map { " lang=\"\(e($0))\"" } ?? "") + ">\(e(value))</span>"
            if let datatype, datatype != XSD.string {
                out += " <small>\(e(JSONLDWriter().compactIRI(datatype)))</small>"
            }
            return out
        }
    }
}
