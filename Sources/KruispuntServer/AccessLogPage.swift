import Foundation
import KruispuntDashboard
import KruispuntStore

/// The access-log page, in Dutch: a filter form (time, identity, path, status) and the matching
/// entries, newest first, with the same filter as CSV and JSON. The log is never published.
enum AccessLogPage {
    static func render(_ rows: [(seq: Int64, entry: AccessLog.Entry)], query: [String: String], limit: Int) -> String {
        let e = HTML.escape
        func field(_ name: String, _ label: String, _ type: String = "text") -> String {
            "<label>\(e(label)) <input type=\"\(type)\" name=\"\(name)\" value=\"\(e(query[name] ?? ""))\"></label>\n"
        }
        let encoded = query.sorted { $0.key < $1.key }.map { k, v in
            k + "=" + (v.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~:"))) ?? "")
        }.joined(separator: "&")
        let api = "/api/access-log" + (encoded.isEmpty ? "" : "?" + encoded)
        var body = "<form method=\"get\" action=\"/access-log\" id=\"filters\">\n"
        body += field("van", "Van (datum of tijdstip)") + field("tot", "Tot") + field("identity", "Identiteit")
        body += field("path", "Pad begint met") + field("status", "Status", "number")
        body += "<label>Hoogstens <input type=\"number\" name=\"limit\" min=\"1\" max=\"100000\" value=\"\(limit)\"></label>\n"
        body += "<button type=\"submit\">Filteren</button></form>\n"
        body += "<p>\(rows.count) regels, de nieuwste eerst. <a href=\"\(e(api + (encoded.isEmpty ? "?" : "&") + "format=csv"))\">Als CSV</a> · "
        body += "<a href=\"\(e(api))\">Als JSON</a>. De keten controleren: <code>kruispunt accesslog verify</code>.</p>\n"
        body += OperatorPage.table(id: "entries", caption: "Toegangslog", header: ["#", "Tijdstip (UTC)", "Soort", "Identiteit", "Cliënt", "Methode",
                                                                             "Pad", "Query", "Status", "Rijen", "Bytes", "Duur (ms)"],
                                   rows: rows.map { seq, x in
                                       [String(seq), AccessLog.iso(x.atMillis), x.kind, x.identity, x.client ?? "", x.method, x.path,
                                        String((x.query ?? "").prefix(300)), x.status.map(String.init) ?? "", x.items.map(String.init) ?? "",
                                        x.bytes.map(String.init) ?? "", x.durationMicros.map { String(format: "%.1f", Double($0) / 1000) } ?? ""]
                                   }, numeric: [0, 8, 9, 10, 11])
        return OperatorPage.render(title: "Toegangslog", json: api, body: body)
    }
}
