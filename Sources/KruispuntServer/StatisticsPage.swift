import Foundation
import KruispuntDashboard
import KruispuntStore

/// The statistics page, in Dutch: what `/api/stats` answers, as tables and charts of ingestion,
/// treatment and lag per hour. Camera-days under the small-count threshold stay withheld.
enum StatisticsPage {
    static func render(_ s: OperatorStatistics, query: String) -> String {
        let e = HTML.escape
        func n(_ v: Int?) -> String { v.map(String.init) ?? "afgeschermd" }
        var body = """
            <p>Lokale dagen \(e(s.from)) tot en met \(e(s.to)) (Europe/Brussels). Watermerk: \(e(s.watermark ?? "nog niet gezet"))\
            \(s.lagSeconds.map { String(format: ", achterstand %.0f s", $0) } ?? ""). \
            <a href="/api/stats?\(e(query))">Als JSON</a></p>
            <h2>Doorvoer en achterstand per uur</h2>

            """
        let hours = s.hours.map { String($0.hour.prefix(13)) + "u" }
        body += OperatorPage.lineChart(id: "throughput", label: "Ontvangen regels en verwerkte detecties per uur", x: hours, series: [
            ("lines", "Ontvangen regels", s.hours.map { Double($0.linesReceived) }),
            ("detections", "Verwerkte detecties", s.hours.map { Double($0.detectionsTreated) }),
            ("observations", "Gepubliceerde observaties", s.hours.map { Double($0.observationsPublished) }),
        ])
        body += OperatorPage.lineChart(id: "lag", label: "Grootste achterstand van de verwerking per uur (s)", x: hours, series: [
            ("lag", "Achterstand (s)", s.hours.map(\.lagSeconds)),
        ])
        body += OperatorPage.table(id: "hours", caption: "Per uur (UTC)", header: ["Uur", "Regels", "Detecties verwerkt", "Observaties", "Runs", "Achterstand (s)"],
                                   rows: s.hours.map { [$0.hour, String($0.linesReceived), String($0.detectionsTreated), String($0.observationsPublished),
                                                        String($0.treatmentRuns), $0.lagSeconds.map { String(format: "%.0f", $0) } ?? "–"] },
                                   numeric: [1, 2, 3, 4, 5])
        body += "<h2>Inname</h2>\n"
        body += OperatorPage.table(id: "sources", caption: "Per dag en kanaal", header: ["Dag", "Kanaal", "Leveringen", "Regels", "Aanvaard", "Dubbel", "In quarantaine"],
                                   rows: s.perSourceDay.map { [$0.day, $0.channel, String($0.batches), String($0.lines), String($0.accepted),
                                                               String($0.duplicates), String($0.quarantined)] },
                                   numeric: [2, 3, 4, 5, 6])
        body += OperatorPage.table(id: "cameras", caption: "Per camera en dag (onder \(s.minimumCount) afgeschermd)",
                                   header: ["Dag", "Camera", "Kanaal", "Ontvangen", "Aanvaard"],
                                   rows: s.perCameraDay.map { [$0.day, $0.camera, $0.channel, n($0.received), n($0.accepted)] }, numeric: [3, 4])
        body += "<h2>Publicatie en opslag</h2>\n"
        body += OperatorPage.table(id: "metrics", caption: "Observaties per metriek", header: ["Metriek", "Observaties", "Afgeschermd", "Ingetrokken"],
                                   rows: s.perMetric.map { [$0.metric, String($0.observations), String($0.suppressed), String($0.withdrawn)] },
                                   numeric: [1, 2, 3])
        body += OperatorPage.table(id: "streams", caption: "Leden per event stream", header: ["Stream", "Leden"],
                                   rows: s.streams.map { [$0.stream, String($0.members)] }, numeric: [1])
        body += OperatorPage.table(id: "tables", caption: "Tabellen in PostgreSQL", header: ["Tabel", "Rijen", "Grootte (MB)"],
                                   rows: s.tables.map { [$0.table, String($0.rows), String(format: "%.1f", Double($0.bytes) / 1e6)] },
                                   numeric: [1, 2])
        return OperatorPage.render(title: "Statistieken", json: "/api/stats?" + query, charts: true, body: body)
    }
}
