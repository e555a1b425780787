import Foundation

/// What the platform processed, for operators (`GET /api/stats`): lines received per day and
/// channel, detections per camera and day (counts below the small-count threshold withheld),
/// observations per metric, members per stream, the store's tables, and ingestion and treatment
/// per hour with the treatment's lag. Days are local (Europe/Brussels); `from` and `to` bound the
/// days (both included) of the per-day and per-hour parts; the rest is the store as it is now.
public struct OperatorStatistics: Codable, Sendable {
    public struct SourceDay: Codable, Sendable, Equatable {
        public var day: String, channel: String
        public var batches: Int, lines: Int, accepted: Int, duplicates: Int, quarantined: Int
    }
    public struct CameraDay: Codable, Sendable, Equatable {
        public var day: String, camera: String, channel: String
        /// nil when withheld (below the threshold).
        public var received: Int?, accepted: Int?
        public var withheld: Bool

        /// Withheld counts are written as null, never left out.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(day, forKey: .day); try c.encode(camera, forKey: .camera); try c.encode(channel, forKey: .channel)
            try c.encode(received, forKey: .received); try c.encode(accepted, forKey: .accepted)
            try c.encode(withheld, forKey: .withheld)
        }
    }
    public struct MetricCount: Codable, Sendable, Equatable {
        public var metric: String
        /// Observations as published now (latest versions), of which suppressed and withdrawn.
        public var observations: Int, suppressed: Int, withdrawn: Int
    }
    public struct StreamCount: Codable, Sendable, Equatable {
        public var stream: String, members: Int
    }
    public struct Table: Codable, Sendable, Equatable {
        /// Load tables (`quads_1`, ...) are counted with `quads`.
        public var table: String, rows: Int, bytes: Int
    }
    public struct Hour: Codable, Sendable, Equatable {
        /// The hour's start, UTC.
        public var hour: String
        public var linesReceived: Int, detectionsTreated: Int, observationsPublished: Int, treatmentRuns: Int
        /// The largest gap between a run and its watermark in the hour (seconds), if it ran.
        public var lagSeconds: Double?

        /// An hour without a treatment run has a null lag.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(hour, forKey: .hour); try c.encode(linesReceived, forKey: .linesReceived)
            try c.encode(detectionsTreated, forKey: .detectionsTreated)
            try c.encode(observationsPublished, forKey: .observationsPublished)
            try c.encode(treatmentRuns, forKey: .treatmentRuns); try c.encode(lagSeconds, forKey: .lagSeconds)
        }
    }

    public var from: String, to: String
    public var minimumCount: Int
    public var perSourceDay: [SourceDay] = []
    public var perCameraDay: [CameraDay] = []
    public var perMetric: [MetricCount] = []
    public var streams: [StreamCount] = []
    public var tables: [Table] = []
    public var hours: [Hour] = []
    /// The treatment's watermark (UTC) and its distance from now, when it ran.
    public var watermark: String?
    public var lagSeconds: Double?

    /// A treatment that never ran has a null watermark and lag.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(from, forKey: .from); try c.encode(to, forKey: .to); try c.encode(minimumCount, forKey: .minimumCount)
        try c.encode(perSourceDay, forKey: .perSourceDay); try c.encode(perCameraDay, forKey: .perCameraDay)
        try c.encode(perMetric, forKey: .perMetric); try c.encode(streams, forKey: .streams); try c.encode(tables, forKey: .tables)
        try c.encode(hours, forKey: .hours); try c.encode(watermark, forKey: .watermark); try c.encode(lagSeconds, forKey: .lagSeconds)
    }

    /// Reads the statistics of local days `from`...`to` (yyyy-mm-dd), optionally of one camera.
    public static func read(from: String, to: String, camera: String?, minimumCount: Int, on db: Connection) throws -> OperatorStatistics {
        var s = OperatorStatistics(from: from, to: to, minimumCount: minimumCount)
        func int(_ v: String?) -> Int { v.flatMap { Int($0) ?? Double($0).map { Int($0) } } ?? 0 }
        let window = [from, to]
        s.perSourceDay = try db.query("""
            SELECT (received_at AT TIME ZONE 'Europe/Brussels')::date::text AS day,
                   CASE WHEN source LIKE 'upload:%' THEN 'upload' WHEN source LIKE 'drop:%' THEN 'drop' ELSE 'cli' END AS channel,
                   count(*), sum(lines), sum(accepted), sum(duplicates), sum(quarantined)
            FROM ingest_batches
            WHERE received_at >= ($1::date)::timestamp AT TIME ZONE 'Europe/Brussels'
              AND received_at < ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Brussels'
            GROUP BY 1, 2 ORDER BY 1, 2
            """, window).map { r in
            SourceDay(day: r[0] ?? "", channel: r[1] ?? "", batches: int(r[2]), lines: int(r[3]), accepted: int(r[4]),
                      duplicates: int(r[5]), quarantined: int(r[6]))
        }
        s.perCameraDay = try db.query("""
            SELECT day::text, camera_id, channel, received, accepted FROM ingest_camera_days
            WHERE day BETWEEN $1::date AND $2::date AND ($3::text IS NULL OR camera_id = $3)
            ORDER BY day, camera_id, channel
            """, [from, to, camera]).map { r in
            let received = int(r[3]), accepted = int(r[4])
            // A camera-day of a few detections is a small count like any other: withheld.
            let withheld = received < minimumCount || accepted < minimumCount
            return CameraDay(day: r[0] ?? "", camera: r[1] ?? "", channel: r[2] ?? "",
                             received: withheld ? nil : received, accepted: withheld ? nil : accepted, withheld: withheld)
        }
        s.perMetric = try db.query("""
            SELECT split_part(key, '/', 1), count(*), count(*) FILTER (WHERE state = 's'), count(*) FILTER (WHERE state = '-')
            FROM published_cells GROUP BY 1 ORDER BY 1
            """).map { r in MetricCount(metric: r[0] ?? "", observations: int(r[1]), suppressed: int(r[2]), withdrawn: int(r[3])) }
        s.streams = try db.query("SELECT stream, count(*) FROM stream_members GROUP BY 1 ORDER BY 1").map {
            StreamCount(stream: $0[0] ?? "", members: int($0[1]))
        }
        s.tables = try db.query("""
            SELECT CASE WHEN relname ~ '^quads_[0-9]+$' THEN 'quads' ELSE relname END,
                   sum(n_live_tup), sum(pg_total_relation_size(relid))
            FROM pg_stat_user_tables WHERE schemaname = 'public' GROUP BY 1 ORDER BY 1
            """).map { Table(table: $0[0] ?? "", rows: int($0[1]), bytes: int($0[2])) }
        s.hours = try db.query("""
            WITH bounds AS (SELECT ($1::date)::timestamp AT TIME ZONE 'Europe/Brussels' AS lo,
                                   ($2::date + 1)::timestamp AT TIME ZONE 'Europe/Brussels' AS hi),
            ingest AS (
                SELECT date_trunc('hour', received_at) AS h, sum(lines) AS lines FROM ingest_batches, bounds
                WHERE received_at >= lo AND received_at < hi GROUP BY 1),
            treatment AS (
                SELECT date_trunc('hour', run_at) AS h, sum(detections) AS detections, sum(observations) AS observations,
                       count(*) AS runs, max(extract(epoch FROM run_at) - watermark_ms / 1000.0) FILTER (WHERE watermark_ms > 0) AS lag
                FROM treatment_runs, bounds WHERE run_at >= lo AND run_at < hi GROUP BY 1)
            SELECT to_char(coalesce(i.h, t.h) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"'),
                   coalesce(i.lines, 0), coalesce(t.detections, 0), coalesce(t.observations, 0), coalesce(t.runs, 0), t.lag
            FROM ingest i FULL JOIN treatment t ON t.h = i.h ORDER BY 1
            """, window).map { r in
            Hour(hour: r[0] ?? "", linesReceived: int(r[1]), detectionsTreated: int(r[2]), observationsPublished: int(r[3]),
                 treatmentRuns: int(r[4]), lagSeconds: r[5].flatMap(Double.init).map { max(0, ($0 * 10).rounded() / 10) })
        }
        if let row = try db.query("""
            SELECT to_char(to_timestamp(watermark_ms / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   extract(epoch FROM now()) - watermark_ms / 1000.0
            FROM treatment_checkpoints WHERE watermark_ms > 0 ORDER BY watermark_ms DESC LIMIT 1
            """).first {
            s.watermark = row[0]
            s.lagSeconds = row[1].flatMap(Double.init).map { max(0, ($0 * 10).rounded() / 10) }
        }
        return s
    }
}
