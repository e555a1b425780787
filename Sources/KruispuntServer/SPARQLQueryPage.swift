import Foundation
import KruispuntDashboard
import KruispuntRDF
import KruispuntSPARQL

/// The query page at GET `/sparql` for people: a form that sends the query by GET, with examples
/// of the questions the dashboard answers (Dutch first, English second).
enum SPARQLQueryPage {
    static let prefixes = """
        PREFIX sosa: <\(SOSA.ns)>
        PREFIX time: <\(OWLTime.ns)>
        PREFIX cot: <\(COT.ns)>
        PREFIX kp: <\(KP.ns)>
        PREFIX dct: <\(DCT.ns)>
        PREFIX xsd: <\(XSD.ns)>

        """

    /// (Dutch title, English title, query).
    static let examples: [(String, String, String)] = [
        ("Voertuigen per camera per dag in een maand", "Vehicles per camera per day in a month", prefixes + """
            SELECT ?camera ?day (SUM(?count) AS ?vehicles) WHERE {
              ?obs sosa:observedProperty cot:passedByVehiclesCount ;
                   cot:hasAggregationPeriod cot:Hourly ;
                   sosa:madeBySensor ?camera ;
                   sosa:hasSimpleResult ?count ;
                   sosa:phenomenonTime ?t .
              ?t time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start .
              FILTER (?start >= "2026-10-01T00:00:00+02:00"^^xsd:dateTime && ?start < "2026-11-01T00:00:00+01:00"^^xsd:dateTime)
            }
            GROUP BY ?camera (DAY(?start) AS ?day) ORDER BY ?camera ?day
            """),
        ("Uurprofiel van één camera", "Hourly profile of one camera", prefixes + """
            SELECT ?hour (AVG(?count) AS ?average) WHERE {
              ?obs sosa:observedProperty cot:passedByVehiclesCount ;
                   cot:hasAggregationPeriod cot:Hourly ;
                   sosa:madeBySensor ?camera ;
                   sosa:hasSimpleResult ?count ;
                   sosa:phenomenonTime ?t .
              ?t time:hasBeginning ?b . ?b time:inXSDDateTimeStamp ?start .
              ?camera dct:identifier "31007" .
            }
            GROUP BY (HOURS(?start) AS ?hour) ORDER BY ?hour
            """),
        ("Top 20 herkomst-bestemmingsparen", "Top 20 origin-destination pairs", prefixes + """
            SELECT ?flow (SUM(?count) AS ?vehicles) WHERE {
              ?obs sosa:observedProperty cot:passedByVehiclesInFlowCount ;
                   sosa:hasFeatureOfInterest ?flow ;
                   sosa:hasSimpleResult ?count .
            }
            GROUP BY ?flow ORDER BY DESC(?vehicles) LIMIT 20
            """),
    ]

    static func html(endpoint: String) -> String {
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
              <textarea id="query" name="query" rows="16" cols="100">\(e(examples[0].2))</textarea>
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
        for (nl, en, query) in examples {
            out += "  <li><a href=\"\(e(endpoint))?query=\(e(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))&amp;format=csv\">\(e(nl))</a> <small lang=\"en\">\(e(en))</small></li>\n"
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
