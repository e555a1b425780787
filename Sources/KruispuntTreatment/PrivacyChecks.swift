import Foundation
import KruispuntStore

/// Checks of what the store publishes, run against a live database for the privacy dossier
/// (`kruispunt privacy report`): the published side holds no pseudonym, no published count lies
/// below the threshold, and a camera-day's published total minus its published hours leaves no
/// small remainder (the differencing attack of the README's "No differencing").
public enum PrivacyChecks {
    /// One check's outcome.
    public struct Result: Sendable, Codable, Equatable {
        /// Stable name (`no-pseudonym`, `no-small-count`, `no-differencing`, `hash-like-literals`).
        public var id: String
        /// What was checked, in Dutch and in English.
        public var nl: String, en: String
        /// How many items were examined, and how many broke the rule.
        public var checked: Int, findings: Int
        /// Up to 10 examples of findings (observation paths; never a pseudonym).
        public var examples: [String]
        public var passed: Bool { findings == 0 }
    }

    /// Runs every check; `minimumCount` is the threshold k in force.
    public static func run(minimumCount k: Int, on db: Connection) throws -> [Result] {
        [try noPseudonym(on: db), try hashLikeLiterals(on: db), try noSmallCount(k, on: db), try noDifferencing(k, on: db)]
    }

    /// No literal of the store, and no last segment of an IRI, equals a staged pseudonym in hex,
    /// `\x` hex or base64.
    static func noPseudonym(on db: Connection) throws -> Result {
        let row = try db.query("""
            WITH p AS (SELECT DISTINCT pseudonym FROM detections),
                 forms AS (SELECT encode(pseudonym, 'hex') AS text FROM p UNION ALL SELECT '\\x' || encode(pseudonym, 'hex') FROM p
                           UNION ALL SELECT encode(pseudonym, 'base64') FROM p)
            SELECT (SELECT count(*) FROM p),
                   (SELECT count(*) FROM terms t
                    WHERE (CASE WHEN t.kind = 0 THEN regexp_replace(t.lex, '^.*[/#]', '') ELSE t.lex END) IN (SELECT text FROM forms))
            """)[0]
        return Result(id: "no-pseudonym",
                      nl: "Geen enkel pseudoniem uit de staging (hex, \\x-hex of base64) komt voor als term in de gepubliceerde opslag",
                      en: "No pseudonym of the staging tables (hex, \\x hex or base64) is a term of the published store",
                      checked: Int(row[0] ?? "0") ?? 0, findings: Int(row[1] ?? "0") ?? 0, examples: [])
    }

    /// No literal of the store looks like a plate hash or pseudonym: 32 to 64 hexadecimal digits.
    static func hashLikeLiterals(on db: Connection) throws -> Result {
        let row = try db.query("""
            SELECT (SELECT count(*) FROM terms WHERE kind = 2),
                   (SELECT count(*) FROM terms WHERE kind = 2 AND lex ~ '^(\\\\x)?[0-9A-Fa-f]{32,64}$')
            """)[0]
        return Result(id: "hash-like-literals",
                      nl: "Geen letterlijke waarde in de opslag ziet eruit als een hash (32 tot 64 hexadecimale cijfers)",
                      en: "No literal of the store looks like a hash (32 to 64 hexadecimal digits)",
                      checked: Int(row[0] ?? "0") ?? 0, findings: Int(row[1] ?? "0") ?? 0, examples: [])
    }

    /// The slugs of the open count metrics (the metrics the threshold protects as counts).
    static var countSlugs: [String] { Metric.allCases.filter { $0.isCount && !$0.isRestricted }.map(\.slug) }

    /// No published count of an open metric lies between 0 and k (exclusive).
    static func noSmallCount(_ k: Int, on db: Connection) throws -> Result {
        let slugs = PostgresArray.text(countSlugs)
        let checked = try db.query("""
            SELECT count(*) FROM published_cells WHERE state LIKE '=%' AND split_part(key, '/', 1) = ANY($1::text[])
            """, [slugs])[0][0].flatMap(Int.init) ?? 0
        let small = try db.query("""
            SELECT key FROM published_cells
            WHERE state LIKE '=%' AND split_part(key, '/', 1) = ANY($1::text[])
              AND substr(state, 2)::double precision > 0 AND substr(state, 2)::double precision < $2::double precision
            ORDER BY key
            """, [slugs, String(k)]).compactMap { $0[0] }
        return Result(id: "no-small-count",
                      nl: "Geen gepubliceerde telling ligt tussen 0 en de drempel k = \(k)",
                      en: "No published count lies between 0 and the threshold k = \(k)",
                      checked: checked, findings: small.count, examples: Array(small.prefix(10)))
    }

    /// For every camera-day whose vehicle count is published, the total minus its published hours
    /// is 0 or at least k (else it would reveal the hidden hours' small sum).
    static func noDifferencing(_ k: Int, on db: Connection) throws -> Result {
        var days: [String: (total: Double?, published: Double, hidden: Int)] = [:]
        for row in try db.query("""
            SELECT key, state FROM published_cells WHERE key LIKE 'vehicle-count/camera/%' AND state <> '-'
            """) {
            guard let key = row[0], let state = row[1] else { continue }
            let parts = key.split(separator: "/")
            guard parts.count == 5 else { continue }
            let value = state.hasPrefix("=") ? Double(state.dropFirst()) : nil
            let day = parts[3] == "day" ? String(parts[4]) : String(parts[4].prefix(8))
            let id = String(parts[2]) + "/" + day.replacingOccurrences(of: "-", with: "")
            var entry = days[id] ?? (nil, 0, 0)
            switch parts[3] {
            case "day": entry.total = value
            case "hour": if let value { entry.published += value } else { entry.hidden += 1 }
            default: continue
            }
            days[id] = entry
        }
        var findings: [String] = []
        var checked = 0
        for (id, e) in days.sorted(by: { $0.key < $1.key }) {
            guard let total = e.total, e.hidden > 0 else { continue }
            checked += 1
            let remainder = total - e.published
            if remainder > 0 && remainder < Double(k) { findings.append("vehicle-count/camera/" + id) }
        }
        return Result(id: "no-differencing",
                      nl: "Voor elke camera-dag met verborgen uren is het dagtotaal min de gepubliceerde uren 0 of minstens k = \(k)",
                      en: "For every camera-day with hidden hours, the day total minus the published hours is 0 or at least k = \(k)",
                      checked: checked, findings: findings.count, examples: Array(findings.prefix(10)))
    }
}
