import KruispuntRDF

/// The dashboard's overview page ("Overzicht"), in Dutch: every camera with its vehicle count on
/// the latest day with data, links to the event stream, and the query behind the table.
public struct OverviewPage: Sendable {
    public let counts: DailyCameraCounts
    public let minimumCount: Int
    public let streamURL: String

    public init(counts: DailyCameraCounts, minimumCount: Int, streamURL: String) {
        self.counts = counts
        self.minimumCount = minimumCount
        self.streamURL = streamURL
    }

    public func render() -> String {
        let e = HTML.escape
        var rows = ""
        for row in counts.rows {
            rows += "      <tr data-camera=\"\(e(row.cameraID))\">\n"
            rows += "        <th scope=\"row\"><a href=\"\(e(row.cameraIRI))\">\(e(row.cameraID))</a></th>\n"
            rows += "        <td>\(e(row.name ?? ""))</td>\n"
            if let count = row.count {
                rows += "        <td data-count=\"\(count)\" class=\"num\">\(Self.grouped(count))</td>\n"
            } else {
                rows += "        <td data-count data-suppressed class=\"num\" title=\"Niet gepubliceerd ter bescherming van de privacy: minder dan \(minimumCount) voertuigen, of af te leiden uit andere gepubliceerde tellingen\">afgeschermd</td>\n"
            }
            rows += "      </tr>\n"
        }
        let total = counts.rows.compactMap(\.count).reduce(0, +)
        let dayText = counts.day.map(Self.dutchDate) ?? "nog geen gegevens"
        return HTML.head(title: "Kruispunt: overzicht", turtle: streamURL, turtleTitle: "Linked Data Event Stream") + """
              <header>
                <p class="brand">Kruispunt</p>
                <nav aria-label="Hoofdmenu"><a href="/" aria-current="page">Overzicht</a> · <a href="\(e(streamURL))">Event stream</a> · <a href="/catalog">Catalogus</a></nav>
              </header>
              <main>
                <h1>Voertuigen per camera</h1>
                <p class="lead">Aantal voertuigen per ANPR-camera op <strong data-day="\(e(counts.day ?? ""))">\(e(dayText))</strong> (lokale tijd, Europe/Brussels).</p>
                <table class="counts">
                  <caption>Dagtelling per camera\(counts.rows.isEmpty ? "" : " · totaal gepubliceerd: \(Self.grouped(total))")</caption>
                  <thead><tr><th scope="col">Camera</th><th scope="col">Naam</th><th scope="col" class="num">Voertuigen</th></tr></thead>
                  <tbody>
            \(rows.isEmpty ? "      <tr><td colspan=\"3\">Er zijn nog geen tellingen gepubliceerd.</td></tr>\n" : rows)      </tbody>
                </table>
                <p class="note">Afgeschermd: tellingen onder \(minimumCount), en tellingen waaruit zulke kleine aantallen af te leiden zijn, worden niet gepubliceerd.</p>
                <details>
                  <summary>Query achter deze tabel</summary>
                  <pre><code>\(e(DailyCameraCounts.sparql))</code></pre>
                </details>
              </main>
              <footer><p>Gegevens: <a href="\(e(streamURL))">Linked Data Event Stream voertuigtellingen</a> (Turtle, N-Triples, JSON-LD) · <a href="/catalog">DCAT-catalogus</a> van alle datasets · <a href="/void">VoID</a>.</p></footer>
            </body>
            </html>

            """
    }

    /// 12345 -> "12.345" (Dutch digit grouping).
    static func grouped(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0, (s.count - i) % 3 == 0 { out += "." }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// "2026-10-25" -> "zondag 25 oktober 2026".
    static func dutchDate(_ iso: String) -> String {
        let parts = iso.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return iso }
        let months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                      "oktober", "november", "december"]
        let weekdays = ["zondag", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag"]
        let days = XSDDateTime.daysFromCivil(parts[0], parts[1], parts[2])
        let weekday = weekdays[((days + 4) % 7 + 7) % 7]
        return "\(weekday) \(parts[2]) \(months[parts[1] - 1]) \(parts[0])"
    }
}
