import Foundation
import KruispuntDashboard
import KruispuntRDF
import KruispuntSPARQL

/// The query page at GET `/sparql` for people: a form that sends the query by GET, with examples
/// of the questions the dashboard answers (Dutch first, English second).
enum SPARQLQueryPage {
    /// An example query: its Dutch and English titles and its text.
    struct Example: Sendable, Equatable {
        var dutch: String
        var english: String
        var query: String
    }

    /// The example queries of the analysts' guides (the `.rq` files of `docs/examples/sparql`),
    /// which the documentation tests run against a live server: the `# nl:` and `# en:` lines give
    /// the titles; those and the tests' `# expect:` and `# columns:` lines are not shown.
    static func examples(in folder: URL) -> [Example] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".rq") }.sorted()
        return files.compactMap { name in
            guard let text = try? String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8) else { return nil }
            var titles: [String: String] = [:], lines: [Substring] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                if let key = ["nl", "en", "expect", "columns"].first(where: { line.hasPrefix("# \($0): ") }) {
                    titles[key] = String(line.dropFirst(key.count + 4)).trimmingCharacters(in: .whitespaces)
                } else {
                    lines.append(line)
                }
            }
            guard let dutch = titles["nl"], let english = titles["en"] else { return nil }
            return Example(dutch: dutch, english: english, query: lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) + "\n")
        }
    }

    /// What the form holds when no example was found.
    static let fallbackQuery = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10\n"

    static func html(endpoint: String, examples: [Example]) -> String {
        let e = HTML.escape
        var out = """
            <!DOCTYPE html>
            <html lang="nl">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>SPARQL-lite – Kruispunt</title>
              <link rel="stylesheet" href="/public/kruispunt.css">
              <link rel="alternate" type="text/turtle" href="\(e(endpoint))?format=turtle" title="Service description">
            </head>
            <body>
            <main>
            <h1>SPARQL-lite <small lang="en">query the published observations</small></h1>
            <p>Stel een vraag in SPARQL 1.1. De standaardgraaf is de unie van alle gepubliceerde grafen.
            Niet ondersteund: property paths, MINUS, EXISTS, SERVICE, subqueries, VALUES na GROUP BY en updates.
            <span lang="en">Ask in SPARQL 1.1; the default graph is the union of every published graph.</span></p>
            <form method="get" action="\(e(endpoint))">
              <label for="query">Query</label>
              <textarea id="query" name="query" rows="16" cols="100">\(e(examples.first?.query ?? fallbackQuery))</textarea>
              <label for="format">Formaat / format</label>
              <select id="format" name="format">
                <option value="json">JSON</option><option value="xml">XML</option>
                <option value="csv">CSV</option><option value="tsv">TSV</option>
              </select>
              <button type="submit">Uitvoeren / run</button>
            </form>
            <h2>Voorbeelden <small lang="en">examples</small></h2>
            <ul>

            """
        for example in examples {
            let query = e(example.query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            out += "  <li><a href=\"\(e(endpoint))?query=\(query)\">\(e(example.dutch))</a> <small lang=\"en\">\(e(example.english))</small>"
                + " (<a href=\"\(e(endpoint))?query=\(query)&amp;format=csv\">CSV</a>)</li>\n"
        }
        return out + "</ul>\n</main>\n</body>\n</html>\n"
    }

    /// The answer of a SELECT or ASK for a browser: the query again (to edit and rerun), the
    /// answer as a table, and the same answer in the machine formats.
    static func results(endpoint: String, query: String, result: SPARQLResult) -> String {
        let e = HTML.escape
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        var out = """
            <!DOCTYPE html>
            <html lang="nl-BE">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Antwoord · SPARQL-lite · Kruispunt</title>
              <link rel="icon" href="/public/favicon.svg" type="image/svg+xml">
              <link rel="stylesheet" href="/public/kruispunt.css">
            </head>
            <body>
            <header><p class="brand"><a href="/">Kruispunt</a></p><nav aria-label="Hoofdmenu"><a href="/">Overzicht</a> <a href="\(e(endpoint))">SPARQL</a></nav></header>
            <main>
            <h1>Antwoord <small lang="en">answer</small></h1>
            <form method="get" action="\(e(endpoint))">
              <label for="query">Query</label>
              <textarea id="query" name="query" rows="14" cols="100">\(e(query))</textarea>
              <button type="submit">Opnieuw uitvoeren / run again</button>
            </form>
            <p class="downloads">Hetzelfde antwoord als <span lang="en">(the same answer as)</span>: \(["json": "JSON", "csv": "CSV", "tsv": "TSV", "xml": "XML"].sorted { $0.key < $1.key }.map { "<a href=\"\(e(endpoint))?query=\(encoded)&amp;format=\($0.key)\">\($0.value)</a>" }.joined(separator: " · "))</p>

            """
        switch result {
        case .boolean(let yes):
            out += "<p id=\"answer\" data-boolean=\"\(yes)\"><strong>\(yes ? "ja" : "nee")</strong> <span lang=\"en\">(\(yes ? "yes" : "no"))</span></p>\n"
        case .bindings(let variables, let rows, let truncated):
            out += "<p>\(rows.count) rijen <span lang=\"en\">(rows)</span>\(truncated ? "; ingekort tot het maximum <span lang=\"en\">(cut to the row cap)</span>" : "").</p>\n"
            out += "<div class=\"scroll\"><table id=\"results\">\n<caption>Oplossingen <span lang=\"en\">(solutions)</span></caption>\n<thead><tr>"
            out += variables.map { "<th scope=\"col\">?\(e($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
            for row in rows {
                out += "<tr>" + row.map { term -> String in
                    guard let term else { return "<td></td>" }
                    switch term {
                    case .iri(let iri): return "<td data-value=\"\(e(iri))\"><a href=\"\(e(iri))\">\(e(iri))</a></td>"
                    default: return "<td data-value=\"\(e(term.lexical))\">\(e(term.lexical))</td>"
                    }
                }.joined() + "</tr>\n"
            }
            out += "</tbody>\n</table></div>\n"
        case .graph:
            break
        }
        return out + "</main>\n</body>\n</html>\n"
    }
}
