import Foundation
import KruispuntDashboard
import KruispuntStore

/// The frame of the operator pages (data quality, statistics, access log), in Dutch: the shared
/// stylesheet, a navigation between them, an alternate JSON link and, for charts, Chart.js and
/// the dashboard script, which draws every `.chart[data-chart]` from the JSON embedded next to it.
enum OperatorPage {
    static func render(title: String, json: String, style: String = "", charts: Bool = false,
                       footer: String = "Beheer van Kruispunt: alleen voor operatoren (beheerderstoken).", body: String) -> String {
        let e = HTML.escape
        var html = """
            <!DOCTYPE html>
            <html lang="nl">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>\(e(title)) · Kruispunt</title>
              <link rel="icon" href="/public/favicon.svg" type="image/svg+xml">
              <link rel="stylesheet" href="/public/kruispunt.css">
              <link rel="alternate" type="application/json" href="\(e(json))">
              <style>
                table.operator td, table.operator th { padding: 0.2rem 0.4rem; border: 1px solid #c9d1db; font-size: 0.85rem; }
                table.operator td.num { text-align: right; font-variant-numeric: tabular-nums; }
                .chart { height: 260px; }
            \(style)
              </style>
            </head>
            <body>
            <header><span class="brand"><a href="/">Kruispunt</a></span>
            <nav aria-label="Beheer">\(navigation())</nav>\(signedIn())</header>
            <main>
            <h1>\(e(title))</h1>

            """
        html += body
        html += "</main>\n<footer><p>\(e(footer)) "
        html += "<a href=\"\(e(json))\">Deze gegevens als JSON</a>.</p></footer>\n"
        if charts { html += "<script src=\"/vendor/chart.js/chart.min.js\"></script>\n<script src=\"/public/dashboard.js\"></script>\n" }
        return html + "</body>\n</html>\n"
    }

    /// The operator pages, by the roles that may open them.
    static let pages: [(path: String, label: String, roles: Set<Role>)] = [
        ("/status", "Status", [.operator, .admin]), ("/quality", "Datakwaliteit", [.analyst, .operator, .admin]),
        ("/stats", "Statistieken", [.operator, .admin]), ("/access-log", "Toegangslog", [.admin]),
    ]

    /// Links to the pages the current identity may open (an analyst sees no link to a page that
    /// would refuse it); without a valid identity, the dashboard and the sign-in page.
    static func navigation() -> String {
        guard case .valid(let role) = Identity.current.standing else {
            return "<a href=\"/\">Dashboard</a> · <a href=\"/aanmelden\">Aanmelden</a>"
        }
        return (["<a href=\"/\">Dashboard</a>"] + pages.filter { $0.roles.contains(role) }.map { "<a href=\"\($0.path)\">\($0.label)</a>" })
            .joined(separator: " · ")
    }

    /// Who is signed in, with the sign-out form, for a browser session ("" otherwise).
    static func signedIn() -> String {
        let me = Identity.current
        guard let csrf = me.csrf, case .valid(let role) = me.standing else { return "" }
        let e = HTML.escape
        return " <form class=\"signout\" method=\"post\" action=\"/afmelden\">Aangemeld als \(e(role.rawValue))"
            + (me.tenant.map { " (\(e($0)))" } ?? "")
            + " <input type=\"hidden\" name=\"csrf\" value=\"\(e(csrf))\"><button type=\"submit\">Afmelden</button></form>"
    }

    /// A table with a header row; `numeric` columns are right-aligned.
    static func table(id: String, caption: String, header: [String], rows: [[String]], numeric: Set<Int> = []) -> String {
        let e = HTML.escape
        var html = "<table class=\"operator\" id=\"\(e(id))\"><caption>\(e(caption))</caption><thead><tr>"
        for h in header { html += "<th scope=\"col\">\(e(h))</th>" }
        html += "</tr></thead><tbody>\n"
        for row in rows {
            html += "<tr>"
            for (i, v) in row.enumerated() { html += numeric.contains(i) ? "<td class=\"num\">\(e(v))</td>" : "<td>\(e(v))</td>" }
            html += "</tr>\n"
        }
        if rows.isEmpty { html += "<tr><td colspan=\"\(header.count)\">Geen gegevens.</td></tr>\n" }
        return html + "</tbody></table>\n"
    }

    /// A line chart of `series` over `x`, drawn by the dashboard script from the values embedded
    /// as SPARQL JSON results (the table next to it holds the same numbers).
    static func lineChart(id: String, label: String, x: [String], series: [(name: String, label: String, values: [Double?])]) -> String {
        let e = HTML.escape
        var bindings: [[String: [String: String]]] = []
        for (i, xv) in x.enumerated() {
            var row = ["x": ["type": "literal", "value": xv]]
            for s in series { if let v = s.values[i] { row[s.name] = ["type": "literal", "value": String(v)] } }
            bindings.append(row)
        }
        let results: [String: Any] = ["head": ["vars": ["x"] + series.map(\.name)], "results": ["bindings": bindings]]
        let spec: [String: Any] = ["type": "line", "x": "x", "y": series.map { ["var": $0.name, "label": $0.label] }]
        let data = (try? JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])) ?? Data()
        let specText = String(decoding: (try? JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        // `</` cannot end the script element early: JSON allows `<\/`.
        let json = String(decoding: data, as: UTF8.self).replacingOccurrences(of: "</", with: "<\\/")
        return """
            <div class="chart" role="img" aria-label="\(e(label))" data-chart="\(e(specText))" data-results="\(e(id))-data"><canvas></canvas></div>
            <script type="application/json" id="\(e(id))-data">\(json)</script>

            """
    }
}
