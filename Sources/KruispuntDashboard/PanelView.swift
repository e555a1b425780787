import Foundation
import KruispuntRDF
import KruispuntSPARQL

/// Renders a panel: heading, chart container (drawn by `/public/dashboard.js` from the embedded
/// query answer), a text summary, the table alternative, the query with its run and download
/// links, and links to the matching stream or time series.
struct PanelView {
    let result: PanelResult
    let language: Language
    let minimumCount: Int

    private var panel: Panel { result.panel }
    private var isMap: Bool { panel.chart.kind == .map || panel.chart.kind == .flowmap }
    private func t(_ nl: String, _ en: String) -> String { language.text(nl, en) }

    func render() -> String {
        let e = HTML.escape
        let id = "p-" + panel.id
        var html = """
            <section class="panel" id="\(id)" aria-labelledby="\(id)-title" data-panel="\(e(panel.id))">
              <h2 id="\(id)-title">\(e(panel.title))</h2>
              <p class="intro">\(e(panel.intro))</p>

            """
        if let error = result.error {
            html += "  <p class=\"error\" role=\"alert\">\(e(t("Deze gegevens konden niet opgehaald worden", "These figures could not be retrieved"))): \(e(error))</p>\n"
        } else {
            let summary = self.summary()
            switch panel.chart.kind {
            case .none:
                html += "  <p class=\"summary\">\(e(summary))</p>\n"
            case .heatmap:
                html += "  <p class=\"summary\">\(e(summary))</p>\n" + heatmap()
            case .figures:
                html += figures()
            default:
                html += """
                      <figure>
                        <div class="chart chart-\(panel.chart.kind.rawValue)" data-chart="\(e(chartSpec()))" data-results="\(id)-data" \(isMap ? "role=\"region\"" : "role=\"img\"") aria-label="\(e(panel.title + ". " + summary))">\(isMap ? "" : "<canvas></canvas>")</div>
                        <figcaption class="summary">\(e(summary))</figcaption>
                      </figure>

                    """
            }
            if result.rows.contains(where: hiddenIn) {
                html += "  <p class=\"note\">\(e(suppressionNote))</p>\n"
            }
            if result.truncated {
                html += "  <p class=\"note\">\(e(t("Het antwoord is ingekort tot de eerste \(result.rows.count) rijen.", "The answer was cut to its first \(result.rows.count) rows.")))</p>\n"
            }
            // The answer as SPARQL JSON for the script; tables alone need only their HTML.
            if panel.embedsAnswer { html += "  <script type=\"application/sparql-results+json\" id=\"\(id)-data\">\(Self.scriptSafe(SPARQLResultFormat.json.write(.bindings(variables: result.variables, rows: result.rows, truncated: result.truncated))))</script>\n" }
            html += table()
        }
        html += query()
        html += "</section>\n"
        return html
    }

    // MARK: - Parts

    private var suppressionNote: String {
        t("< \(minimumCount): afgeschermd ter bescherming van de privacy. Zo'n cel telt minder dan \(minimumCount) voertuigen, of zou een kleiner aantal elders laten afleiden; ze is nooit nul. ≥: een som waarin afgeschermde cellen ontbreken.",
          "< \(minimumCount): withheld to protect privacy. Such a cell counts fewer than \(minimumCount) vehicles, or would let a smaller count elsewhere be derived; it is never zero. ≥: a sum without its withheld cells.")
    }

    private func table() -> String {
        let e = HTML.escape
        let open = panel.chart.kind == .none || panel.chart.kind == .heatmap ? " open" : ""
        var html = "  <details class=\"table\"\(open)><summary>\(e(t("Tabel", "Table")))</summary>\n"
        html += "  <div class=\"scroll\"><table>\n    <caption>\(e(panel.title))</caption>\n    <thead><tr>"
        for c in panel.columns { html += "<th scope=\"col\"\(isNumeric(c.format) ? " class=\"num\"" : "")>\(e(c.header))</th>" }
        html += "</tr></thead>\n    <tbody>\n"
        if result.rows.isEmpty {
            html += "      <tr><td colspan=\"\(panel.columns.count)\">\(e(t("Geen gegevens voor deze filters.", "No data for these filters.")))</td></tr>\n"
        }
        for row in result.rows {
            html += "      <tr>"
            for (i, c) in panel.columns.enumerated() {
                let cell = self.cell(row, c)
                let tag = i == 0 ? "th scope=\"row\"" : "td"
                let end = i == 0 ? "th" : "td"
                html += "<\(tag)\(isNumeric(c.format) ? " class=\"num\"" : "")\(cell.attributes)>\(cell.html)</\(end)>"
            }
            html += "</tr>\n"
        }
        html += "    </tbody>\n  </table></div>\n  </details>\n"
        return html
    }

    private func query() -> String {
        let e = HTML.escape
        let id = "p-" + panel.id
        let run = "/sparql?query=" + DashboardFilters.encode(panel.sparql)
        var links = [
            "<a href=\"\(e(run))\" class=\"run\">\(e(t("Query uitvoeren", "Run the query")))</a>",
            "<a href=\"\(e(run + "&format=csv"))\" download=\"\(e(panel.id)).csv\" data-download=\"csv\">CSV</a>",
        ]
        if let construct = panel.construct {
            let c = "/sparql?query=" + DashboardFilters.encode(construct)
            links.append("<a href=\"\(e(c + "&format=jsonld"))\" download=\"\(e(panel.id)).jsonld\" data-download=\"jsonld\">JSON-LD</a>")
            links.append("<a href=\"\(e(c + "&format=turtle"))\" download=\"\(e(panel.id)).ttl\" data-download=\"turtle\">Turtle</a>")
        }
        links += panel.links.map { "<a href=\"\(e($0.href))\">\(e($0.label))</a>" }
        return """
              <details class="query"><summary>\(e(t("Query achter deze grafiek", "The query behind this chart")))</summary>
                <pre><code id="\(id)-query">\(e(panel.sparql))</code></pre>
                <button type="button" class="copy" data-copy="\(id)-query">\(e(t("Kopieer de query", "Copy the query")))</button>
              </details>
              <p class="downloads">\(links.joined(separator: " · "))</p>

            """
    }

    /// Big numbers: the current period's value of each `y` variable, with its change.
    private func figures() -> String {
        let e = HTML.escape
        let x = panel.chart.x
        let current = result.rows.first { result.value($0, x)?.lexical == "huidig" }
        let previous = result.rows.first { result.value($0, x)?.lexical == "vorig" }
        var html = "  <div class=\"figures\">\n"
        for y in panel.chart.y {
            guard let column = panel.columns.first(where: { $0.variable == y.variable }) else { continue }
            let shown: (html: String, attributes: String) = current.map { cell($0, column) } ?? (html: "–", attributes: "")
            var change = t("geen vorige periode", "no previous period")
            if let now = current.flatMap({ result.number($0, y.variable) }), let before = previous.flatMap({ result.number($0, y.variable) }), before > 0 {
                let pct = (now - before) / before * 100
                change = (pct >= 0 ? "+" : "") + Self.decimal(pct, 1, language) + t(" % tegenover de vorige periode", " % against the previous period")
            }
            html += "    <p class=\"figure\" data-figure=\"\(e(y.variable))\"><span class=\"value\"\(shown.attributes)>\(shown.html)</span> <span class=\"label\">\(e(y.label))</span> <span class=\"change\">\(e(change))</span></p>\n"
        }
        return html + "  </div>\n"
    }

    private func heatmap() -> String {
        // Rows: the first column; columns: the second; value: the third (a count).
        guard panel.columns.count >= 3 else { return "" }
        let (rc, cc, vc) = (panel.columns[0], panel.columns[1], panel.columns[2])
        var rowKeys: [String] = [], colKeys: [String] = [], cells: [String: [Term?]] = [:]
        for row in result.rows {
            let r = result.value(row, rc.variable)?.lexical ?? "", c = result.value(row, cc.variable)?.lexical ?? ""
            if !rowKeys.contains(r) { rowKeys.append(r) }
            if !colKeys.contains(c) { colKeys.append(c) }
            cells[r + "\u{1}" + c] = row
        }
        rowKeys.sort()
        colKeys.sort()
        let top = result.rows.compactMap { result.number($0, vc.variable) }.max() ?? 0
        let e = HTML.escape
        var html = "  <div class=\"scroll\"><table class=\"heatmap\">\n    <caption>\(e(panel.title)) (\(e(t("rijen", "rows"))): \(e(rc.header)), \(e(t("kolommen", "columns"))): \(e(cc.header)))</caption>\n"
        html += "    <thead><tr><th scope=\"col\">\(e(rc.header)) \\ \(e(cc.header))</th>"
        for c in colKeys { html += "<th scope=\"col\">\(e(Self.shortID(c)))</th>" }
        html += "</tr></thead>\n    <tbody>\n"
        for r in rowKeys {
            html += "      <tr><th scope=\"row\">\(e(Self.shortID(r)))</th>"
            for c in colKeys {
                guard let row = cells[r + "\u{1}" + c] else { html += "<td class=\"num empty\">–</td>"; continue }
                let cell = self.cell(row, vc)
                let share = top > 0 ? (result.number(row, vc.variable) ?? 0) / top : 0
                let level = Int((share * 5).rounded(.up))
                html += "<td class=\"num heat-\(level)\"\(cell.attributes)>\(cell.html)</td>"
            }
            html += "</tr>\n"
        }
        return html + "    </tbody>\n  </table></div>\n"
    }

    // MARK: - Cells

    private func hiddenIn(_ row: [Term?]) -> Bool {
        panel.columns.contains { c in
            if case .count(let hidden?) = c.format { return (result.number(row, hidden) ?? 0) > 0 }
            return false
        }
    }

    private func isNumeric(_ f: Panel.Format) -> Bool {
        switch f {
        case .count, .decimal: return true
        default: return false
        }
    }

    private func cell(_ row: [Term?], _ c: Panel.Column) -> (html: String, attributes: String) {
        let e = HTML.escape
        let term = result.value(row, c.variable)
        switch c.format {
        case .count(let hidden):
            let hiddenCells = hidden.flatMap { result.number(row, $0) } ?? 0
            let value = term.flatMap { Double($0.lexical) }
            if hiddenCells > 0 {
                if value == nil || value == 0 {
                    return ("<abbr title=\"\(e(suppressionNote))\">&lt; \(minimumCount)</abbr>", " data-value=\"\" data-suppressed=\"\(Int(hiddenCells))\"")
                }
                return ("<abbr title=\"\(e(suppressionNote))\">≥ \(Self.grouped(value!, language))</abbr>", " data-value=\"\(Self.plain(value!))\" data-suppressed=\"\(Int(hiddenCells))\"")
            }
            guard let value else { return ("–", " data-value=\"\"") }
            return (Self.grouped(value, language), " data-value=\"\(Self.plain(value))\"")
        case .decimal(let digits):
            guard let value = term.flatMap({ Double($0.lexical) }) else { return ("–", " data-value=\"\"") }
            return (Self.decimal(value, digits, language), " data-value=\"\(Self.plain(value))\"")
        case .day:
            guard let lex = term?.lexical, let day = LocalDay.of(lexical: lex) else { return (e(term?.lexical ?? "–"), "") }
            return ("<time datetime=\"\(day.iso)\">\(e(day.long(language)))</time>", "")
        case .hour:
            guard let lex = term?.lexical else { return ("–", "") }
            let h = lex.count >= 13 && lex.contains("T") ? String(lex.dropFirst(11).prefix(2)) : String(format: "%02d", Int(lex) ?? 0)
            return ("\(h):00", "")
        case .dateTime:
            guard let lex = term?.lexical else { return ("–", "") }
            return ("<time datetime=\"\(e(lex))\">\(e(Self.readable(lex)))</time>", "")
        case .feature(let page):
            guard let iri = term?.lexical else { return ("–", "") }
            let id = Self.shortID(iri)
            if page, iri.contains("/id/camera/") {
                return ("<a href=\"/camera/\(e(DashboardFilters.encode(id)))\">\(e(id))</a>", " data-value=\"\(e(id))\"")
            }
            return (e(id), " data-value=\"\(e(id))\"")
        case .text:
            return (e(term?.lexical ?? "–"), "")
        }
    }

    /// A one-sentence reading of the answer: how many rows, the total or the highest value, and
    /// how many cells are withheld.
    private func summary() -> String {
        if result.rows.isEmpty { return t("Geen gegevens voor deze filters.", "No data for these filters.") }
        var parts: [String] = []
        let countColumn = panel.columns.first { if case .count = $0.format { return true }; if case .decimal = $0.format { return true }; return false }
        if let c = countColumn {
            let values = result.rows.compactMap { row in result.number(row, c.variable).map { (row, $0) } }
            if let best = values.max(by: { $0.1 < $1.1 }) {
                let label = panel.columns.first.flatMap { first in
                    first.variable == c.variable ? nil : " (" + cell(best.0, first).html.replacingOccurrences(of: "<[^>]+>", with: "", options: .regularExpression) + ")"
                } ?? ""
                let v: String
                if case .decimal(let d) = c.format { v = Self.decimal(best.1, d, language) } else { v = Self.grouped(best.1, language) }
                parts.append(t("Hoogste \(c.header.lowercased()): \(v)\(label)", "Highest \(c.header.lowercased()): \(v)\(label)"))
            }
            if case .count = c.format {
                let total = values.reduce(0) { $0 + $1.1 }
                parts.append(t("totaal \(Self.grouped(total, language))", "total \(Self.grouped(total, language))"))
            }
        }
        parts.append(t("\(result.rows.count) rijen", "\(result.rows.count) rows"))
        let hidden = result.rows.filter(hiddenIn).count
        if hidden > 0 { parts.append(t("\(hidden) met afgeschermde cellen", "\(hidden) with withheld cells")) }
        return parts.joined(separator: "; ") + "."
    }

    private func chartSpec() -> String {
        var spec: [String: Any] = ["type": panel.chart.kind.rawValue, "x": panel.chart.x,
                                   "y": panel.chart.y.map { ["var": $0.variable, "label": $0.label] },
                                   "xTitle": panel.chart.xTitle, "yTitle": panel.chart.yTitle, "lang": language.rawValue]
        if let s = panel.chart.series { spec["series"] = s }
        if let b = panel.chart.band { spec["band"] = ["low": b.low, "high": b.high, "label": b.label] }
        let hidden = panel.columns.compactMap { c -> [String: String]? in
            if case .count(let h?) = c.format { return ["var": c.variable, "hidden": h] }
            return nil
        }
        spec["hidden"] = hidden
        let data = (try? JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    // MARK: - Formatting

    static func shortID(_ iri: String) -> String {
        for marker in ["/id/camera/", "/id/zone/", "/id/flow/", "/id/zone-flow/"] {
            if let r = iri.range(of: marker) { return String(iri[r.upperBound...]).replacingOccurrences(of: "/", with: " → ") }
        }
        return iri
    }

    static func plain(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    /// 12345 -> "12.345" (nl) or "12,345" (en).
    static func grouped(_ v: Double, _ language: Language) -> String {
        guard v == v.rounded(), abs(v) < 1e15 else { return decimal(v, 1, language) }
        let n = Int64(v)
        let s = String(abs(n))
        let sep: Character = language == .nl ? "." : ","
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out.append(sep) }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func decimal(_ v: Double, _ digits: Int, _ language: Language) -> String {
        let s = String(format: "%.\(digits)f", v)
        return language == .nl ? s.replacingOccurrences(of: ".", with: ",") : s
    }

    /// "2026-10-24T14:00:00+02:00" -> "24/10/2026 14:00".
    static func readable(_ lexical: String) -> String {
        guard let day = LocalDay.of(lexical: lexical), lexical.count >= 16 else { return lexical }
        let c = day.civil
        return "\(c.day)/\(c.month)/\(c.year) \(lexical.dropFirst(11).prefix(5))"
    }

    /// JSON inside a `<script>` element: no `</` that could end it.
    static func scriptSafe(_ json: String) -> String {
        json.replacingOccurrences(of: "<", with: "\\u003c")
    }
}
