import Foundation
import KruispuntRDF
import KruispuntStore

/// A newly published observation, as the live feed shows it. Only what the event streams
/// publish: a withheld count has no value.
public struct LiveObservation: Sendable, Codable, Equatable {
    /// The member's position in publication order (the Server-Sent Events id).
    public let seq: Int64
    public let stream: String
    public let member: String
    public let feature: String?
    public let property: String?
    public let period: String?
    public let start: String?
    public let value: String?
}

/// The newest members of every stream, read from the member index and the observation index.
public enum LiveFeed {
    static let sql = """
        SELECT m.seq, m.stream, mt.lex, ft.lex, pt.lex, prt.lex, o.start_l, o.result_l
        FROM stream_members m
        JOIN terms mt ON mt.id = m.member
        LEFT JOIN observation_rows o ON o.s = m.member
        LEFT JOIN terms ft ON ft.id = o.feature
        LEFT JOIN terms pt ON pt.id = o.property
        LEFT JOIN terms prt ON prt.id = o.period
        """

    /// The newest `limit` observations, newest first.
    public static func newest(limit: Int, on db: Connection) throws -> [LiveObservation] {
        try db.query(sql + " ORDER BY m.seq DESC LIMIT $1", [String(limit)]).compactMap(row)
    }

    /// Observations published after `seq`, oldest first (at most `limit`).
    public static func after(_ seq: Int64, limit: Int, on db: Connection) throws -> [LiveObservation] {
        try db.query(sql + " WHERE m.seq > $1 ORDER BY m.seq LIMIT $2", [String(seq), String(limit)]).compactMap(row)
    }

    /// The newest member's seq (0 without members).
    public static func lastSeq(on db: Connection) throws -> Int64 {
        Int64(try db.query("SELECT coalesce(max(seq), 0) FROM stream_members")[0][0] ?? "0") ?? 0
    }

    private static func row(_ r: [String?]) -> LiveObservation? {
        guard let seq = r[0].flatMap(Int64.init), let stream = r[1], let member = r[2] else { return nil }
        return LiveObservation(seq: seq, stream: stream, member: member, feature: r[3], property: r[4], period: r[5], start: r[6], value: r[7])
    }

    /// One Server-Sent Event per observation.
    public static func event(_ o: LiveObservation) -> String {
        let data = (try? JSONEncoder.sorted.encode(o)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        return "id: \(o.seq)\nevent: observation\ndata: \(data)\n\n"
    }

    public static func json(_ observations: [LiveObservation], last: Int64) -> String {
        struct Page: Encodable { let last: Int64; let observations: [LiveObservation] }
        return (try? JSONEncoder.sorted.encode(Page(last: last, observations: observations))).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }
}

/// The live feed panel: the newest observations, kept current by `/public/dashboard.js` from
/// Server-Sent Events at `/live` (or by polling `/live.json`).
struct LiveFeedView {
    let language: Language
    let minimumCount: Int
    private func t(_ nl: String, _ en: String) -> String { language.text(nl, en) }

    func render(_ newest: [LiveObservation]) -> String {
        let e = HTML.escape
        var items = ""
        for o in newest { items += "      " + Self.item(o, language: language, minimumCount: minimumCount) + "\n" }
        return """
            <section class="panel live" id="p-live" aria-labelledby="p-live-title" data-last="\(newest.first?.seq ?? 0)">
              <h2 id="p-live-title">\(e(t("Live: nieuwste observaties", "Live: newest observations")))</h2>
              <p class="intro">\(e(t("Observaties zodra de behandeling ze publiceert; grafieken op deze pagina worden dan bijgewerkt.", "Observations as soon as the treatment publishes them; the charts on this page are then updated.")))</p>
              <p class="status" data-live-status aria-live="polite">\(e(t("Verbinden…", "Connecting…")))</p>
              <ol class="feed" data-live-feed data-withheld="&lt; \(minimumCount)">
            \(items.isEmpty ? "      <li class=\"empty\">" + e(t("Nog geen observaties.", "No observations yet.")) + "</li>\n" : items)  </ol>
              <p class="downloads"><a href="/live.json">\(e(t("Als JSON", "As JSON")))</a> · <a href="/streams/vehicle-counts">Event streams</a></p>
            </section>

            """
    }

    /// One feed line: when, what, where, and the value (or the withheld mark).
    static func item(_ o: LiveObservation, language: Language, minimumCount: Int) -> String {
        let e = HTML.escape
        let what = (o.property.map(Self.localName) ?? o.stream)
        let feature = o.feature.map(PanelView.shortID) ?? ""
        let when = o.start.map(PanelView.readable) ?? ""
        let value = o.value.map { e($0) } ?? "<abbr title=\"\(language == .nl ? "afgeschermd" : "withheld")\">&lt; \(minimumCount)</abbr>"
        return "<li data-seq=\"\(o.seq)\"><time datetime=\"\(e(o.start ?? ""))\">\(e(when))</time> <a href=\"\(e(o.member))\">\(e(what))</a> \(e(feature)): <strong>\(value)</strong></li>"
    }

    static func localName(_ iri: String) -> String {
        String(iri.split(whereSeparator: { $0 == "#" || $0 == "/" }).last ?? Substring(iri))
    }
}
