import Foundation
import KruispuntANPR
import KruispuntStore

/// Reads the data-quality results for operators: the rules firing now, the camera x day matrix
/// and one camera's hours. Counts under the small-count threshold are withheld (nil).
public enum QualityReport {
    /// A rule firing in the latest measured hours, with the cameras it fires for.
    public struct Alert: Sendable, Equatable {
        public let rule: QualityRule
        public let cameras: [String]
    }

    /// The rules that fired in the last `hours` measured hours (the newest hour in
    /// `quality_hours` and the ones before it), for every camera or those `within`.
    public static func alerts(hours: Int = 2, within cameras: [String]? = nil, on db: Connection) throws -> [Alert] {
        try db.query("""
            WITH latest AS (SELECT max(hour) AS h FROM quality_hours)
            SELECT r, string_agg(DISTINCT q.camera_id, ',' ORDER BY q.camera_id)
            FROM quality_hours q CROSS JOIN latest CROSS JOIN unnest(q.fired) AS r
            WHERE q.hour > latest.h - make_interval(hours => $1::int) AND ($2::text[] IS NULL OR q.camera_id = ANY ($2::text[]))
            GROUP BY r
            """, [String(hours), cameras.map { PostgresArray.text($0) }]).compactMap { row in
            guard let rule = row[0].flatMap(QualityRule.init(rawValue:)) else { return nil }
            return Alert(rule: rule, cameras: QualityStore.items(row[1]))
        }.sorted { $0.rule < $1.rule }
    }

    /// One camera on one local day: hours measured, hours with a rule that fired, and the rules.
    public struct Day: Codable, Sendable, Equatable {
        public let camera: String, day: String
        public let hours: Int, alertHours: Int
        public let rules: [String]
    }

    /// The camera x local day matrix between two local days (inclusive, `YYYY-MM-DD`), for every
    /// camera, one, or those `within`.
    public static func days(from: String, to: String, camera: String? = nil, within cameras: [String]? = nil,
                            on db: Connection) throws -> [Day] {
        try db.query("""
            WITH h AS (
                SELECT camera_id, (hour AT TIME ZONE 'Europe/Brussels')::date AS day, fired FROM quality_hours
                WHERE (hour AT TIME ZONE 'Europe/Brussels')::date BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR camera_id = $3)
                  AND ($4::text[] IS NULL OR camera_id = ANY ($4::text[]))
            )
            SELECT h.camera_id, h.day::text, count(*), count(*) FILTER (WHERE cardinality(h.fired) > 0),
                   coalesce((SELECT string_agg(DISTINCT r, ',') FROM h AS h2 CROSS JOIN unnest(h2.fired) AS r
                             WHERE h2.camera_id = h.camera_id AND h2.day = h.day), '')
            FROM h GROUP BY h.camera_id, h.day ORDER BY 1, 2
            """, [from, to, camera, cameras.map { PostgresArray.text($0) }]).map { row in
            Day(camera: row[0] ?? "", day: row[1] ?? "", hours: row[2].flatMap(Int.init) ?? 0, alertHours: row[3].flatMap(Int.init) ?? 0,
                rules: QualityRule.inOrder(QualityStore.items(row[4])))
        }
    }

    /// One camera-hour: its local start, detections (nil under the threshold), measures and rules.
    public struct Hour: Codable, Sendable, Equatable {
        public let camera: String, start: String
        public let detections: Int?
        public let measures: QualityMeasures?
        public let rules: [String]
        public let version: Int
    }

    /// One camera's hours on one local day.
    public static func hours(camera: String, day: String, minimumCount: Int, on db: Connection) throws -> [Hour] {
        let policy = SmallCountPolicy(minimumCount: minimumCount)
        return try db.query("""
            SELECT camera_id, (extract(epoch FROM hour) * 1000)::bigint, detections, measures::text, array_to_string(fired, ','), version
            FROM quality_hours WHERE camera_id = $1 AND (hour AT TIME ZONE 'Europe/Brussels')::date = $2::date ORDER BY hour
            """, [camera, day]).map { row in
            let n = row[2].flatMap(Int.init) ?? 0
            let measures = row[3].flatMap { try? JSONDecoder().decode(QualityMeasures.self, from: Data($0.utf8)) }
            let shown = policy.allows(n) && policy.allows(measures?.lines ?? 0)
            return Hour(camera: row[0] ?? "", start: BrusselsTime.format(row[1].flatMap(Int64.init) ?? 0),
                        detections: shown ? n : nil,
                        measures: shown ? measures : nil,
                        rules: QualityStore.items(row[4]), version: row[5].flatMap(Int.init) ?? 0)
        }
    }
}
