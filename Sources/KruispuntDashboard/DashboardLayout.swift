import Foundation
import KruispuntRDF

/// The frame of every dashboard page: head (titles, styles, the page's data description as
/// JSON-LD), navigation, language switch, the filter form, and the scripts.
struct DashboardLayout {
    let context: PageContext
    let page: Dashboard.Page
    let camera: String?
    let title: String
    let tileURL: String
    /// Whether the navigation links to the restricted page (a signed-in analyst with a purpose).
    var restrictedLink = false

    private var filters: DashboardFilters { context.filters }
    private var language: Language { filters.language }
    private func t(_ nl: String, _ en: String) -> String { language.text(nl, en) }

    var path: String {
        switch page {
        case .overview: return "/"
        case .camera: return "/camera/" + DashboardFilters.encode(camera ?? "")
        case .flows: return "/stromen"
        case .zones: return "/zones"
        case .compare: return "/vergelijk"
        case .restricted: return "/beperkt"
        }
    }

    private var hasMap: Bool { page == .overview || page == .flows }

    func render(_ sections: [String]) -> String {
        let e = HTML.escape
        let fullTitle = "\(title) · Kruispunt"
        let period = context.describe(context.from, context.to)
        var html = """
            <!DOCTYPE html>
            <html lang="\(language == .nl ? "nl-BE" : "en")">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>\(e(fullTitle))</title>
              <meta name="description" content="\(e(description))">
              <link rel="icon" href="/public/favicon.svg" type="image/svg+xml">
              <link rel="stylesheet" href="/public/kruispunt.css">

            """
        if hasMap { html += "  <link rel=\"stylesheet\" href=\"/vendor/leaflet/leaflet.css\">\n" }
        html += "  <link rel=\"alternate\" hreflang=\"\(language == .nl ? "en" : "nl-BE")\" href=\"\(e(path + filters.queryString(changing: ["taal": language == .nl ? "en" : nil])))\">\n"
        html += "  <script type=\"application/ld+json\">\(PanelView.scriptSafe(jsonLD(period: period)))</script>\n"
        html += """
            </head>
            <body data-page="\(page.rawValue)" data-tiles="\(e(tileURL))">
              <a class="skip" href="#inhoud">\(e(t("Naar de inhoud", "Skip to content")))</a>
              <header>
                <p class="brand"><a href="/\(e(filters.queryString()))">Kruispunt</a></p>
                <nav aria-label="\(e(t("Hoofdmenu", "Main menu")))">
            \(navigation)    </nav>
                <p class="language"><a href="\(e(path + filters.queryString(changing: ["taal": language == .nl ? "en" : nil])))" hreflang="\(language == .nl ? "en" : "nl")" lang="\(language == .nl ? "en" : "nl")">\(language == .nl ? "English" : "Nederlands")</a></p>
              </header>
              <main id="inhoud">
                <h1>\(e(title))</h1>
                <p class="lead">\(e(t("Periode", "Period"))): <strong>\(e(period))</strong>\(e(filterSummary)). \(e(t("Lokale tijd (Europe/Brussels).", "Local time (Europe/Brussels).")))</p>

            """
        html += filterForm()
        html += sections.joined()
        html += """
              </main>
              <footer><p>\(e(t("Alle cijfers komen uit de getoonde SPARQL-queries op", "Every figure comes from the queries shown, run at"))) <a href="/sparql">/sparql</a> · <a href="/catalog">\(e(t("DCAT-catalogus", "DCAT catalogue")))</a> · <a href="/streams/vehicle-counts">Linked Data Event Streams</a> · \(e(t("Tellingen onder", "Counts below"))) \(context.minimumCount) \(e(t("worden afgeschermd.", "are withheld.")))</p></footer>
              <script src="/vendor/chart.js/chart.min.js"></script>

            """
        if hasMap { html += "  <script src=\"/vendor/leaflet/leaflet.min.js\"></script>\n" }
        html += "  <script src=\"/public/dashboard.js\"></script>\n</body>\n</html>\n"
        return html
    }

    private var description: String {
        t("Kruispunt-dashboard: anonieme verkeerscijfers uit ANPR-camera's (tellingen, stromen, reistijden, zones), elk met de query erachter.",
          "Kruispunt dashboard: anonymous traffic figures from ANPR cameras (counts, flows, travel times, zones), each with the query behind it.")
    }

    private var navigation: String {
        let e = HTML.escape
        let q = filters.queryString(changing: ["camera": nil])
        var items: [(Dashboard.Page, String, String)] = [
            (.overview, "/", t("Overzicht", "Overview")), (.flows, "/stromen", t("Stromen", "Flows")),
            (.zones, "/zones", "Zones"), (.compare, "/vergelijk", t("Vergelijk", "Compare")),
        ]
        var html = ""
        if restrictedLink || page == .restricted { items.append((.restricted, "/beperkt", t("Beperkt", "Restricted"))) }
        for (p, href, label) in items {
            html += "      <a href=\"\(e(href + (p == .overview ? filters.queryString() : q)))\"\(p == page ? " aria-current=\"page\"" : "")>\(e(label))</a>\n"
        }
        html += "      <a href=\"/sparql\">SPARQL</a>\n      <a href=\"/catalog\">\(e(t("Catalogus", "Catalogue")))</a>\n"
        return html
    }

    private var filterSummary: String {
        var parts: [String] = []
        if !filters.cameras.isEmpty { parts.append(t("camera's ", "cameras ") + filters.cameras.joined(separator: ", ")) }
        if let z = filters.zone { parts.append("zone " + z) }
        if let m = filters.municipality { parts.append(t("gemeente ", "municipality ") + m) }
        if filters.box != nil { parts.append(t("kader op de kaart", "box on the map")) }
        if !filters.weekdays.isEmpty { parts.append(filters.weekdays.map { LocalDay.weekdayName($0, language) }.joined(separator: ", ")) }
        if let h = filters.hours { parts.append(t("uren \(h.lowerBound)–\(h.upperBound)", "hours \(h.lowerBound)–\(h.upperBound)")) }
        if let m = filters.minutes { parts.append(t("duur \(m.lowerBound)–\(m.upperBound) min", "duration \(m.lowerBound)–\(m.upperBound) min")) }
        if let k = filters.vehicleClass { parts.append(t("klasse ", "class ") + k) }
        return parts.isEmpty ? "" : " · " + parts.joined(separator: " · ")
    }

    // MARK: - Filters

    private func filterForm() -> String {
        let e = HTML.escape
        let r = context.registry
        func option(_ value: String, _ label: String, _ selected: Bool) -> String {
            "<option value=\"\(e(value))\"\(selected ? " selected" : "")>\(e(label))</option>"
        }
        var html = """
                <form class="filters" method="get" action="\(e(path))" role="search" aria-label="Filters">
                  <fieldset><legend>\(e(t("Plaats", "Location")))</legend>

            """
        if page != .camera {
            html += "        <label>Camera <select name=\"camera\" multiple size=\"3\">" + r.cameras.map { option($0.id, $0.id + ($0.name.isEmpty ? "" : " · " + $0.name), filters.cameras.contains($0.id)) }.joined() + "</select></label>\n"
        }
        html += "        <label>Zone <select name=\"zone\">" + option("", t("alle", "all"), filters.zone == nil) + r.zones.map { option($0.id, $0.name, filters.zone == $0.id) }.joined() + "</select></label>\n"
        html += "        <label>\(e(t("Gemeente", "Municipality"))) <select name=\"gemeente\">" + option("", t("alle", "all"), filters.municipality == nil) + r.municipalities.map { option($0, $0, filters.municipality == $0) }.joined() + "</select></label>\n"
        let box = filters.box.map { "\($0.west),\($0.south),\($0.east),\($0.north)" } ?? ""
        html += "        <label>\(e(t("Kader (west,zuid,oost,noord)", "Box (west,south,east,north)"))) <input name=\"kader\" value=\"\(e(box))\" inputmode=\"decimal\" pattern=\"[-0-9.]+,[-0-9.]+,[-0-9.]+,[-0-9.]+\"></label>\n"
        if hasMap { html += "        <button type=\"button\" class=\"draw\" data-draw-box hidden>\(e(t("Teken een kader op de kaart", "Draw a box on the map")))</button>\n" }
        html += "      </fieldset>\n      <fieldset><legend>\(e(t("Tijd", "Time")))</legend>\n"
        html += "        <label>\(e(t("Van", "From"))) <input type=\"date\" name=\"van\" value=\"\(context.from.iso)\"></label>\n"
        html += "        <label>\(e(t("Tot en met", "To"))) <input type=\"date\" name=\"tot\" value=\"\(context.to.iso)\"></label>\n"
        html += "        <fieldset class=\"weekdays\"><legend>\(e(t("Weekdagen", "Weekdays")))</legend>"
        for d in 1...7 {
            html += "<label><input type=\"checkbox\" name=\"dag\" value=\"\(d)\"\(filters.weekdays.contains(d) ? " checked" : "")> \(e(String(LocalDay.weekdayName(d, language).prefix(2))))</label>"
        }
        html += "</fieldset>\n"
        html += "        <label>\(e(t("Uren (bv. 7-9)", "Hours (e.g. 7-9)"))) <input name=\"uren\" value=\"\(e(filters.hours.map { "\($0.lowerBound)-\($0.upperBound)" } ?? ""))\" pattern=\"[0-9]{1,2}(-[0-9]{1,2})?\" size=\"5\"></label>\n"
        if page == .compare {
            let b = context.comparison
            html += "        <label>\(e(t("Periode B van", "Period B from"))) <input type=\"date\" name=\"van2\" value=\"\(b.from.iso)\"></label>\n"
            html += "        <label>\(e(t("Periode B tot en met", "Period B to"))) <input type=\"date\" name=\"tot2\" value=\"\(b.to.iso)\"></label>\n"
        }
        if page == .flows {
            html += "        <label>\(e(t("Dag van de stroomkaart", "Day of the flow map"))) <input type=\"date\" name=\"datum\" value=\"\(context.flowDay.iso)\"></label>\n"
        }
        html += "      </fieldset>\n      <fieldset><legend>\(e(t("Voertuigen", "Vehicles")))</legend>\n"
        html += "        <label>\(e(t("Klasse", "Class"))) <select name=\"klasse\">" + option("", t("alle", "all"), filters.vehicleClass == nil) + DashboardFilters.vehicleClasses.map { option($0, $0, filters.vehicleClass == $0) }.joined() + "</select></label>\n"
        if page == .flows || page == .zones {
            html += "        <label>\(e(t("Duur in minuten (bv. 5-30)", "Duration in minutes (e.g. 5-30)"))) <input name=\"duur\" value=\"\(e(filters.minutes.map { "\($0.lowerBound)-\($0.upperBound)" } ?? ""))\" pattern=\"[0-9]+(-[0-9]+)?\" size=\"7\"></label>\n"
        }
        if page == .flows {
            func select(_ name: String, _ label: String, _ current: String?) -> String {
                "        <label>\(e(label)) <select name=\"\(name)\">" + option("", t("alle", "all"), current == nil) + r.cameras.map { option($0.id, $0.id, current == $0.id) }.joined() + "</select></label>\n"
            }
            html += select("herkomst", t("Herkomst", "Origin"), filters.origin)
            html += select("bestemming", t("Bestemming", "Destination"), filters.destination)
        }
        html += "      </fieldset>\n"
        if language == .en { html += "      <input type=\"hidden\" name=\"taal\" value=\"en\">\n" }
        html += "      <p class=\"actions\"><button type=\"submit\">\(e(t("Filters toepassen", "Apply filters")))</button> <a href=\"\(e(path + (language == .en ? "?taal=en" : "")))\">\(e(t("Filters wissen", "Clear filters")))</a></p>\n"
        html += "    </form>\n"
        return html
    }

    // MARK: - JSON-LD

    private func jsonLD(period: String) -> String {
        let base = context.iris.base
        var description: [String: Any] = [
            "@context": ["@vocab": "https://schema.org/", "dcat": "http://www.w3.org/ns/dcat#", "dct": "http://purl.org/dc/terms/"],
            "@type": ["Dataset", "dcat:Dataset"],
            "@id": base + path + filters.queryString(),
            "name": "\(title) · Kruispunt",
            "description": self.description + " " + period,
            "inLanguage": language == .nl ? "nl-BE" : "en",
            "temporalCoverage": "\(context.from.iso)/\(context.to.iso)",
            "isPartOf": ["@id": base + "/catalog"],
            "publisher": ["@type": "Organization", "name": "Digitaal Vlaanderen"],
            "isAccessibleForFree": true,
        ]
        description["distribution"] = [
            ["@type": ["DataDownload", "dcat:Distribution"], "encodingFormat": "application/sparql-results+json", "contentUrl": base + "/sparql"],
            ["@type": ["DataDownload", "dcat:Distribution"], "encodingFormat": "text/turtle", "contentUrl": base + "/streams/vehicle-counts"],
        ]
        let data = (try? JSONSerialization.data(withJSONObject: description, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
