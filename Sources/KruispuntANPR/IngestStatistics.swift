import KruispuntStore

/// Ingest counts per local day, camera and channel (`ingest_camera_days`), written in the ingest
/// transaction: what `/api/stats` reports per camera after the detections are purged.
enum IngestStatistics {
    /// How a batch arrived: `upload` (`POST /api/ingest`), `drop` (a watched folder) or `cli`.
    static func channel(of source: String) -> String {
        source.hasPrefix("upload:") ? "upload" : source.hasPrefix("drop:") ? "drop" : "cli"
    }

    /// Adds one batch's counts.
    static func record(_ counts: [CameraDay: (received: Int, accepted: Int)], channel: String, on db: Connection) throws {
        if counts.isEmpty { return }
        let rows = counts.sorted { ($0.key.day, $0.key.camera) < ($1.key.day, $1.key.camera) }
        try db.query("""
            INSERT INTO ingest_camera_days (day, camera_id, channel, received, accepted)
            SELECT DATE '1970-01-01' + d, c, $5, r, a
            FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[]) AS u(d, c, r, a)
            ON CONFLICT (day, camera_id, channel) DO UPDATE SET
                received = ingest_camera_days.received + excluded.received,
                accepted = ingest_camera_days.accepted + excluded.accepted
            """, [PostgresArray.text(rows.map { String($0.key.day) }), PostgresArray.text(rows.map(\.key.camera)),
                  PostgresArray.text(rows.map { String($0.value.received) }), PostgresArray.text(rows.map { String($0.value.accepted) }), channel])
    }

    /// Adds one batch's valid and quarantined lines per camera and UTC hour (`ingest_camera_hours`).
    static func record(_ counts: [CameraHour: (received: Int, quarantined: Int)], on db: Connection) throws {
        if counts.isEmpty { return }
        let rows = counts.sorted { ($0.key.hour, $0.key.camera) < ($1.key.hour, $1.key.camera) }
        try db.query("""
            INSERT INTO ingest_camera_hours (hour, camera_id, received, quarantined)
            SELECT to_timestamp(h * 3600), c, r, q FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) AS u(h, c, r, q)
            ON CONFLICT (hour, camera_id) DO UPDATE SET received = ingest_camera_hours.received + excluded.received,
                quarantined = ingest_camera_hours.quarantined + excluded.quarantined
            """, [PostgresArray.text(rows.map { String($0.key.hour) }), PostgresArray.text(rows.map(\.key.camera)),
                  PostgresArray.text(rows.map { String($0.value.received) }), PostgresArray.text(rows.map { String($0.value.quarantined) })])
    }
}
