import Foundation
import KruispuntDashboard
import KruispuntStore

/// The status page and the printable incident report, in Dutch. The state is written out in
/// words next to its colour, so the page also reads without colour and on paper.
enum StatusPage {
    private static let style = """
        <style>
          .state { font-weight: 700; padding: 0.1rem 0.5rem; border-radius: 3px; }
          .state-ok { background: #dff3e4; color: #14532d; }
          .state-degraded { background: #fff1c2; color: #6b4500; }
          .state-down { background: #fde0dc; color: #8a1c0b; }
          .incident { background: #fff; border: 1px solid var(--line, #c9d1db); padding: 1rem; margin: 0 0 1.25rem; }
          .incident dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
          .incident dt { font-weight: 700; }
          @media print {
            header, nav, .noprint { display: none; }
            body { background: #fff; }
            .incident { border: 0; page-break-after: always; break-after: page; }
            .incident:last-of-type { page-break-after: auto; break-after: auto; }
          }
        </style>
        """

    private static func head(_ title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="nl">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>\(HTML.escape(title))</title>
          <link rel="stylesheet" href="/public/kruispunt.css">
          <link rel="alternate" type="application/json" href="/status?format=json">
        \(style)
        </head>
        <body>
        <header><span class="brand"><a href="/">Kruispunt</a></span></header>
        <main>

        """
    }

    private static func badge(_ state: StatusMonitor.State) -> String {
        "<span class=\"state state-\(state.rawValue)\">\(state.dutch)</span>"
    }

    /// The status page: the overall state, a table of components, and for operators the details
    /// and the open incidents.
    static func render(overall: StatusMonitor.State, components: [StatusMonitor.Component], detailed: Bool,
                       open: [Incidents.Incident], pending: StatusMonitor.Outage?) -> String {
        var out = head("Status van Kruispunt")
        out += "<h1>Status van Kruispunt</h1>\n<p class=\"lead\">Algemene toestand: \(badge(overall))</p>\n"
        out += "<table>\n<caption>Onderdelen, telkens na de laatste controle</caption>\n<thead><tr><th scope=\"col\">Onderdeel</th><th scope=\"col\">Toestand</th>"
        if detailed { out += "<th scope=\"col\">Toelichting</th><th scope=\"col\">Laatst in orde</th><th scope=\"col\">Gecontroleerd</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for c in components {
            out += "<tr data-component=\"\(HTML.escape(c.name))\" data-state=\"\(c.state.rawValue)\"><th scope=\"row\">\(HTML.escape(c.label))</th><td>\(badge(c.state))</td>"
            if detailed {
                out += "<td>\(HTML.escape(c.detail))</td><td>\(HTML.escape(c.lastSuccess ?? "–"))</td><td>\(HTML.escape(c.checkedAt))</td>"
            }
            out += "</tr>\n"
        }
        if components.isEmpty { out += "<tr><td colspan=\"\(detailed ? 5 : 2)\">Nog niet gecontroleerd.</td></tr>\n" }
        out += "</tbody>\n</table>\n"
        if detailed {
            out += "<h2>Open incidenten</h2>\n"
            if let pending {
                out += "<p>De databank is onbereikbaar sinds \(HTML.escape(StatusMonitor.stamp(pending.sinceMillis))): \(HTML.escape(pending.detail)). "
                    + "Het incident wordt bewaard zodra ze weer antwoordt.</p>\n"
            }
            if open.isEmpty && pending == nil { out += "<p>Geen.</p>\n" }
            for incident in open { out += section(incident) }
            out += "<p class=\"noprint\"><a href=\"/api/incidents?format=csv\">Alle incidenten als CSV</a> · "
                + "<a href=\"/incidents/report\">Afdrukbaar verslag</a> · Versie \(HTML.escape(StatusAPI.version))</p>\n"
        } else {
            out += "<p class=\"note\">Details, incidenten en hun verloop zijn voorbehouden aan de beheerders.</p>\n"
        }
        return out + "</main>\n</body>\n</html>\n"
    }

    /// Incidents for printing: one per page, with their timeline.
    static func report(_ incidents: [Incidents.Incident]) -> String {
        var out = head("Incidentverslag Kruispunt")
        out += "<h1 class=\"noprint\">Incidentverslag</h1>\n"
        if incidents.isEmpty { out += "<p>Geen incidenten in deze periode.</p>\n" }
        for incident in incidents { out += section(incident) }
        return out + "</main>\n</body>\n</html>\n"
    }

    private static func section(_ i: Incidents.Incident) -> String {
        var out = "<section class=\"incident\" id=\"incident-\(i.id)\">\n<h2>Incident \(i.id): \(HTML.escape(i.title))</h2>\n<dl>\n"
        func row(_ term: String, _ value: String) { out += "<dt>\(term)</dt><dd>\(HTML.escape(value))</dd>\n" }
        row("Onderdeel", i.component)
        row("Toestand", i.isOpen ? "open" : "opgelost")
        row("Geopend", i.openedAt)
        row("Opgelost", i.resolvedAt ?? "–")
        row("Duur", Self.duration(i.durationSeconds))
        row("Bevestigd", i.acknowledgedAt.map { "\($0) door \(i.acknowledgedBy ?? "?")" } ?? "nee")
        row("Betrokken camera's of stromen", i.affected.isEmpty ? "–" : i.affected)
        row("Oorzaak", i.detail)
        out += "</dl>\n<table>\n<caption>Verloop</caption>\n<thead><tr><th scope=\"col\">Tijdstip</th><th scope=\"col\">Gebeurtenis</th><th scope=\"col\">Door</th><th scope=\"col\">Tekst</th></tr></thead>\n<tbody>\n"
        let words = ["opened": "geopend", "resolved": "opgelost", "acknowledged": "bevestigd", "note": "notitie"]
        for e in i.events {
            out += "<tr><td>\(HTML.escape(e.at))</td><td>\(words[e.event] ?? e.event)</td><td>\(HTML.escape(e.actor))</td><td>\(HTML.escape(e.text))</td></tr>\n"
        }
        return out + "</tbody>\n</table>\n</section>\n"
    }

    /// "2 min 5 s", "1 u 3 min".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) u \(s % 3600 / 60) min"
    }
}
