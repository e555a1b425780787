import Foundation
import KruispuntANPR
import KruispuntStore

/// The data-quality tables: measures computed from the staged detections, the counts of earlier
/// weeks for the baseline, and the published state per camera-hour (`quality_hours`).
enum QualityStore {
    /// A camera in a UTC hour (hours since 1970-01-01T00Z).
    struct Key: Hashable {
        let camera: String
        let hour: Int64
    }

    /// The items of a comma-joined column (`string_agg`, `array_to_string`); none for null or "".
    static func items(_ text: String?) -> [String] { (text ?? "").split(separator: ",").map(String.init) }

    /// The measures of every camera-hour with detections in [from, to) (UTC ms, whole hours).
    static func measures(from: Int64, to: Int64, thresholds: QualityThresholds, on db: Connection) throws -> [Key: QualityMeasures] {
        // The clock offset: how far a timestamp lies outside the timestamps of the third
        // detection (any camera) that arrived before it and the third after it (0 inside);
        // out of order: older than the camera's previous arrival.
        let rows = try db.query("""
            WITH d AS (
                SELECT d.camera_id, d.observed_at, d.speed_kmh, d.nationality, d.vehicle_class, d.latitude, d.longitude,
                       d.observed_at > b.received_at + make_interval(secs => $3::double precision) AS ahead,
                       extract(epoch FROM greatest(d.observed_at - coalesce(lead(d.observed_at, 3) OVER arrival, d.observed_at), interval '0')
                                          + least(d.observed_at - coalesce(lag(d.observed_at, 3) OVER arrival, d.observed_at), interval '0')) AS offset_s,
                       d.observed_at < lag(d.observed_at) OVER (PARTITION BY d.camera_id ORDER BY d.id) AS late
                FROM detections d JOIN ingest_batches b ON b.id = d.batch_id
                WHERE d.observed_at >= to_timestamp($1::double precision / 1000) AND d.observed_at < to_timestamp($2::double precision / 1000)
                WINDOW arrival AS (ORDER BY d.id)
            )
            SELECT d.camera_id, floor(extract(epoch FROM d.observed_at) / 3600)::bigint, count(*),
                   count(*) FILTER (WHERE ahead), coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY offset_s), 0),
                   count(*) FILTER (WHERE late), count(*) FILTER (WHERE d.speed_kmh IS NULL),
                   count(*) FILTER (WHERE d.nationality = 'unknown'), count(*) FILTER (WHERE d.vehicle_class = 'unknown'),
                   count(*) FILTER (WHERE c.latitude IS NOT NULL AND d.latitude IS NOT NULL AND
                       sqrt(power((d.latitude - c.latitude) * 111320, 2)
                            + power((d.longitude - c.longitude) * 111320 * cos(radians(c.latitude)), 2)) > $4::double precision)
            FROM d LEFT JOIN cameras c ON c.camera_id = d.camera_id
            GROUP BY 1, 2
            """, [String(from), String(to), String(thresholds.clockAheadSeconds), String(thresholds.driftMeters)])
        var result: [Key: QualityMeasures] = [:]
        for row in rows {
            guard let camera = row[0], let hour = row[1].flatMap(Int64.init) else { continue }
            var m = QualityMeasures()
            let ints = (2...9).map { row[$0].flatMap(Int.init) ?? 0 }
            m.detections = ints[0]; m.ahead = ints[1]
            m.clockOffsetSeconds = row[4].flatMap(Double.init) ?? 0
            m.outOfOrder = ints[3]; m.speedMissing = ints[4]; m.unknownNationality = ints[5]
            m.unknownVehicleType = ints[6]; m.drifted = ints[7]
            m.received = m.detections
            result[Key(camera: camera, hour: hour)] = m
        }
        for row in try db.query("""
            SELECT camera_id, floor(extract(epoch FROM hour) / 3600)::bigint, received, quarantined FROM ingest_camera_hours
            WHERE hour >= to_timestamp($1::double precision / 1000) AND hour < to_timestamp($2::double precision / 1000)
            """, [String(from), String(to)]) {
            guard let camera = row[0], let hour = row[1].flatMap(Int64.init), let n = row[2].flatMap(Int.init),
                  let quarantined = row[3].flatMap(Int.init) else { continue }
            let key = Key(camera: camera, hour: hour)
            // A camera-hour whose lines were all quarantined has no detections, but is measured.
            guard var m = result[key] ?? (quarantined > 0 ? QualityMeasures() : nil) else { continue }
            m.received = max(m.detections, n)
            m.quarantined = quarantined
            result[key] = m
        }
        return result
    }

    /// Detections per camera-hour already measured in [from, to).
    static func counts(from: Int64, to: Int64, on db: Connection) throws -> [Key: Int] {
        var result: [Key: Int] = [:]
        for row in try db.query("""
            SELECT camera_id, floor(extract(epoch FROM hour) / 3600)::bigint, detections FROM quality_hours
            WHERE hour >= to_timestamp($1::double precision / 1000) AND hour < to_timestamp($2::double precision / 1000)
            """, [String(from), String(to)]) {
            guard let camera = row[0], let hour = row[1].flatMap(Int64.init), let n = row[2].flatMap(Int.init) else { continue }
            result[Key(camera: camera, hour: hour)] = n
        }
        return result
    }

    /// The stored state of the camera-hours in [from, to).
    static func states(from: Int64, to: Int64, on db: Connection) throws -> [Key: (measures: QualityMeasures, fired: [String], version: Int)] {
        var result: [Key: (QualityMeasures, [String], Int)] = [:]
        for row in try db.query("""
            SELECT camera_id, floor(extract(epoch FROM hour) / 3600)::bigint, measures::text, array_to_string(fired, ','), version
            FROM quality_hours WHERE hour >= to_timestamp($1::double precision / 1000) AND hour < to_timestamp($2::double precision / 1000)
            """, [String(from), String(to)]) {
            guard let camera = row[0], let hour = row[1].flatMap(Int64.init), let json = row[2],
                  let m = try? JSONDecoder().decode(QualityMeasures.self, from: Data(json.utf8)),
                  let version = row[4].flatMap(Int.init) else { continue }
            result[Key(camera: camera, hour: hour)] = (m, items(row[3]), version)
        }
        return result
    }

    /// Stores new states (one statement).
    static func save(_ rows: [(key: Key, measures: QualityMeasures, fired: [QualityRule], version: Int)], on db: Connection) throws {
        if rows.isEmpty { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = try rows.map { String(decoding: try encoder.encode($0.measures), as: UTF8.self) }
        try db.query("""
            INSERT INTO quality_hours (camera_id, hour, detections, measures, fired, version)
            SELECT c, to_timestamp(h * 3600), n, m::jsonb, coalesce(string_to_array(nullif(f, ''), ','), '{}'), v
            FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::text[], $6::int[]) AS u(c, h, n, m, f, v)
            ON CONFLICT (camera_id, hour) DO UPDATE SET detections = excluded.detections, measures = excluded.measures,
                fired = excluded.fired, version = excluded.version
            """, [PostgresArray.text(rows.map(\.key.camera)), PostgresArray.text(rows.map { String($0.key.hour) }),
                  PostgresArray.text(rows.map { String($0.measures.detections) }), PostgresArray.text(json),
                  PostgresArray.text(rows.map { $0.fired.map(\.rawValue).joined(separator: ",") }),
                  PostgresArray.text(rows.map { String($0.version) })])
    }
}
