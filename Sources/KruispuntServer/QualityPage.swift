import Foundation
import KruispuntDashboard
import KruispuntTreatment

/// The data-quality page, in Dutch: the rules firing now, a camera x day matrix coloured by
/// status (the status also in words), a camera-day's hours with their measures and rules, and
/// the data-quality incidents.
enum QualityPage {
    static let style = ".q-ok { background: #dff3e4; } .q-warn { background: #fff1c2; } .q-bad { background: #fde0dc; }"

    static func render(_ r: QualityAPI.Report) -> String {
        let e = HTML.escape
        let json = "/api/quality?van=\(r.from)&tot=\(r.to)"
        let scope = r.tenant.map { "De camera's van \(e($0)), per camera" } ?? "Per camera"
        var html = """
            <p>\(scope) en per uur berekend door de verwerking (\(e(r.from)) tot \(e(r.to))). \
            <a href="\(e(json))">Als JSON</a></p>
            <h2>Regels die nu afgaan</h2>

            """
        if r.alerts.isEmpty {
            html += "<p id=\"alerts\">Geen regel afgegaan in de laatste gemeten uren.</p>\n"
        } else {
            html += "<ul id=\"alerts\">\n"
            for a in r.alerts { html += "<li data-rule=\"\(e(a.rule))\">\(e(a.label)): camera \(e(a.cameras.joined(separator: ", ")))</li>\n" }
            html += "</ul>\n"
        }
        let cameras = Array(Set(r.days.map(\.camera))).sorted(), days = Array(Set(r.days.map(\.day))).sorted()
        let cells = Dictionary(r.days.map { ("\($0.camera)/\($0.day)", $0) }) { a, _ in a }
        html += "<h2>Camera's per dag</h2>\n<table class=\"operator\" id=\"matrix\"><thead><tr><th scope=\"col\">Camera</th>"
        for d in days { html += "<th scope=\"col\">\(e(d))</th>" }
        html += "</tr></thead><tbody>\n"
        for c in cameras {
            html += "<tr><th scope=\"row\">\(e(c))</th>"
            for d in days {
                guard let cell = cells["\(c)/\(d)"] else { html += "<td>–</td>"; continue }
                let (cls, word) = cell.alertHours == 0 ? ("q-ok", "in orde") : cell.alertHours <= 2 ? ("q-warn", "let op") : ("q-bad", "probleem")
                html += "<td class=\"\(cls)\" data-camera=\"\(e(c))\" data-day=\"\(e(d))\" data-rules=\"\(e(cell.rules.joined(separator: " ")))\">"
                html += "<a href=\"/quality?camera=\(e(c))&amp;dag=\(e(d))&amp;van=\(e(r.from))&amp;tot=\(e(r.to))\">\(word)</a>"
                if !cell.rules.isEmpty { html += " <small>\(e(cell.rules.joined(separator: ", ")))</small>" }
                html += "</td>"
            }
            html += "</tr>\n"
        }
        html += "</tbody></table>\n"
        if let hours = r.hours, let camera = r.camera, let day = r.day {
            html += "<h2>Camera \(e(camera)) op \(e(day))</h2>\n<table class=\"operator\" id=\"hours\"><thead><tr>"
            for h in ["Uur", "Detecties", "Dubbels", "Klok (s)", "Buiten volgorde", "Zonder snelheid", "Onbekende nat.", "Onbekend type", "Verschoven",
                      "In quarantaine", "Regels"] {
                html += "<th scope=\"col\">\(h)</th>"
            }
            html += "</tr></thead><tbody>\n"
            for h in hours {
                html += "<tr class=\"\(h.rules.isEmpty ? "q-ok" : "q-bad")\"><td>\(e(String(h.start.prefix(16))))</td>"
                if let m = h.measures {
                    let values = [String(m.detections), String(m.received - m.detections), String(format: "%.0f", m.clockOffsetSeconds),
                                  String(m.outOfOrder), String(m.speedMissing), String(m.unknownNationality), String(m.unknownVehicleType), String(m.drifted),
                                  String(m.quarantined)]
                    for v in values { html += "<td>\(v)</td>" }
                } else {
                    html += "<td colspan=\"9\">onder de drempel voor kleine aantallen</td>"
                }
                let labels = h.rules.map { QualityRule(rawValue: $0)?.label.nl ?? $0 }
                html += "<td>\(e(labels.isEmpty ? "–" : labels.joined(separator: ", ")))</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        html += "<h2>Incidenten</h2>\n"
        if r.incidents.isEmpty { html += "<p>Geen incidenten over datakwaliteit.</p>\n" }
        for i in r.incidents {
            html += "<p class=\"incident\">#\(i.id) \(e(i.title)) — camera's \(e(i.affected)) — geopend \(e(i.openedAt))"
            html += i.resolvedAt.map { " — opgelost \(e($0))" } ?? " — open"
            if r.tenant == nil { html += " <a href=\"/api/incidents/\(i.id)\">details</a>" }
            html += "</p>\n"
        }
        return OperatorPage.render(title: "Datakwaliteit", json: json, style: Self.style, body: html)
    }
}
