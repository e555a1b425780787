import Foundation
import KruispuntRDF
import KruispuntStore
import Logging

/// What one ingestion did. `lines` counts data lines (not the header, not blank lines):
/// lines == accepted + duplicates + quarantined.
public struct IngestSummary: Sendable, Codable, Equatable {
    public var lines = 0
    public var accepted = 0
    public var duplicates = 0
    public var quarantined = 0
    /// The staging batch (nil when nothing was staged).
    public var batch: Int?
    /// True when an upload with the same Idempotency-Key was applied before: nothing new was done.
    public var replayed: Bool?
    public init() {}

    public static func + (a: IngestSummary, b: IngestSummary) -> IngestSummary {
        var s = a
        s.lines += b.lines; s.accepted += b.accepted; s.duplicates += b.duplicates; s.quarantined += b.quarantined
        return s
    }
}

/// Loads detection files into the staging tables: valid lines into `detections` (duplicates
/// dropped by fingerprint), invalid lines into `quarantine` with their reason. One transaction per
/// source, so a crash never leaves half a file behind, and a retried file adds nothing twice.
public struct Ingestor: Sendable {
    /// The advisory lock ingestions hold for their transaction (one at a time), and that the
    /// treatment takes briefly to read the highest committed id, so it never reads past an
    /// uncommitted batch.
    public static let stagingLock = 7212002
    private let batchSize = 50_000
    private let logger: Logger
    private let pseudonymiser: Pseudonymiser

    public init(pseudonymiser: Pseudonymiser, logger: Logger) {
        self.pseudonymiser = pseudonymiser
        self.logger = logger
    }

    /// Ingests one file ("-" reads standard input), CSV or NDJSON, plain or gzip-compressed.
    /// `mapping` names the source column of canonical columns whose header differs.
    /// `report` receives each rejected line.
    public func ingest(path: String, source: String? = nil, mapping: [String: String] = [:],
                       crs: LambertConverter.System? = nil, idempotencyKey: String? = nil, contentDigest: String? = nil,
                       on db: Connection,
                       report: (String, RejectedLine) -> Void) throws -> IngestSummary {
        let lines = try LineSource(path: path)
        let source = source ?? (path == "-" ? "<stdin>" : path)
        return try ingest(source: source, lines: lines, mapping: mapping, crs: crs, idempotencyKey: idempotencyKey,
                          contentDigest: contentDigest, on: db, report: report)
    }

    func ingest(source: String, lines: LineSource, mapping: [String: String], crs: LambertConverter.System?,
                idempotencyKey: String?, contentDigest: String?,
                on db: Connection, report: (String, RejectedLine) -> Void) throws -> IngestSummary {
        guard let first = try lines.next() else {
            throw IngestError("\(source): the file is empty (expected a CSV header or NDJSON objects)")
        }
        let format = try DetectionFormat(firstLine: first, mapping: mapping, crs: crs, source: source)
        return try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock(\(Ingestor.stagingLock))")
            // Ingest transactions are serialised by the lock, so this check cannot race.
            if let idempotencyKey,
               let stored = try db.query("SELECT summary, content_digest FROM ingest_requests WHERE idempotency_key = $1",
                                         [idempotencyKey]).first,
               var replay = try? JSONDecoder().decode(IngestSummary.self, from: Data((stored[0] ?? "").utf8)) {
                if let contentDigest, let earlier = stored[1], earlier != contentDigest {
                    throw IdempotencyConflict(key: idempotencyKey)
                }
                replay.replayed = true
                return replay
            }
            let batchID = try db.query("INSERT INTO ingest_batches (source, header) VALUES ($1, $2) RETURNING id",
                                       [source, format.header])[0][0]!
            try db.execute("""
                CREATE TEMP TABLE IF NOT EXISTS detection_load (fingerprint uuid, camera_id text, backoffice_id text,
                    pseudonym bytea, observed_at timestamptz, utc_offset_minutes smallint, latitude double precision,
                    longitude double precision, nationality text, speed_kmh real, vehicle_class text,
                    batch_id bigint) ON COMMIT DROP
                """)
            var summary = IngestSummary()
            var cameras: [String: CameraSighting] = [:]
            var speedsDiscarded = 0
            var cameraDays: [CameraDay: (received: Int, accepted: Int)] = [:]
            var cameraHours: [CameraHour: (received: Int, quarantined: Int)] = [:]
            let arrivalHour = Int64(Date().timeIntervalSince1970 / 3600)
            let pipeline = ParsePipeline(lines: lines, first: format.firstLineIsData ? Array(first) : nil, format: format,
                                         pseudonymiser: pseudonymiser, batchID: batchID, batchSize: batchSize)
            do {
                while let batch = try pipeline.take() {
                    summary.lines += batch.lines
                    speedsDiscarded += batch.speedsDiscarded
                    cameras.merge(batch.cameras) { a, b in a.merged(with: b) }
                    for r in batch.rejected {
                        report(source, r)
                        if let camera = r.cameraID {
                            let hour = r.epochMillis.map { $0 / 3_600_000 } ?? arrivalHour  // instants lie after 2000
                            cameraHours[CameraHour(camera: camera, hour: hour), default: (0, 0)].quarantined += 1
                        }
                    }
                    summary.quarantined += batch.rejected.count
                    try quarantine(batch.rejected, batchID: batchID, on: db)
                    let loaded = try load(batch.copyText, count: batch.detections, on: db)
                    summary.accepted += loaded.count
                    for (camera, sighting) in batch.cameras {
                        for (hour, n) in sighting.hours { cameraHours[CameraHour(camera: camera, hour: hour), default: (0, 0)].received += n }
                        for (day, n) in sighting.days {
                            let key = CameraDay(camera: camera, day: day)
                            cameraDays[key, default: (0, 0)].received += n
                            cameraDays[key, default: (0, 0)].accepted += loaded.perCameraDay.map { $0[key] ?? 0 } ?? n
                        }
                    }
                }
            } catch {
                pipeline.cancel()
                throw error
            }
            summary.duplicates = summary.lines - summary.accepted - summary.quarantined
            try db.query("""
                UPDATE ingest_batches SET lines = $2, accepted = $3, duplicates = $4, quarantined = $5,
                    speeds_discarded = $6 WHERE id = $1
                """, [batchID, String(summary.lines), String(summary.accepted), String(summary.duplicates),
                      String(summary.quarantined), String(speedsDiscarded)])
            try register(cameras, on: db)
            try IngestStatistics.record(cameraDays, channel: IngestStatistics.channel(of: source), on: db)
            try IngestStatistics.record(cameraHours, on: db)
            summary.batch = Int(batchID)
            if let idempotencyKey {
                let json = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
                try db.query("INSERT INTO ingest_requests (idempotency_key, batch_id, summary, content_digest) VALUES ($1, $2, $3, $4)",
                             [idempotencyKey, batchID, json, contentDigest])
            }
            logger.info("ingested \(source)", metadata: [
                "lines": "\(summary.lines)", "accepted": "\(summary.accepted)",
                "duplicates": "\(summary.duplicates)", "quarantined": "\(summary.quarantined)"])
            return summary
        }
    }

    /// Stages a batch (COPY text rows); returns how many detections were new and, when some were
    /// not, the new ones per camera and local day (nil: all of them were new). The common case
    /// (no duplicate in the batch) is one COPY straight into `detections` under a savepoint; a
    /// batch that hits a duplicate is rolled back to the savepoint and goes through a load table
    /// with `ON CONFLICT DO NOTHING`.
    private func load(_ rows: String, count: Int, on db: Connection) throws -> (count: Int, perCameraDay: [CameraDay: Int]?) {
        if count == 0 { return (0, nil) }
        let columns = "fingerprint, camera_id, backoffice_id, pseudonym, observed_at, utc_offset_minutes, latitude, longitude, nationality, speed_kmh, vehicle_class, batch_id"
        func send(_ write: (String) throws -> Void) throws {
            var start = rows.startIndex
            while start < rows.endIndex {
                let end = rows.utf8.index(start, offsetBy: 1 << 17, limitedBy: rows.endIndex) ?? rows.endIndex
                let cut = end == rows.endIndex ? end : rows[end...].firstIndex(of: "\n").map { rows.index(after: $0) } ?? rows.endIndex
                try write(String(rows[start..<cut]))
                start = cut
            }
        }
        try db.execute("SAVEPOINT staging_batch")
        do {
            try db.copyIn("COPY detections (\(columns)) FROM STDIN", send)
            try db.execute("RELEASE SAVEPOINT staging_batch")
            return (count, nil)
        } catch let error as StoreError where error.isUniqueViolation {
            try db.execute("ROLLBACK TO SAVEPOINT staging_batch; RELEASE SAVEPOINT staging_batch; TRUNCATE detection_load")
        }
        try db.copyIn("COPY detection_load (\(columns)) FROM STDIN", send)
        var perCameraDay: [CameraDay: Int] = [:]
        var inserted = 0
        for row in try db.query("""
            WITH inserted AS (
                INSERT INTO detections (\(columns)) SELECT \(columns) FROM detection_load
                ON CONFLICT (fingerprint) DO NOTHING RETURNING camera_id, observed_at)
            SELECT camera_id, (extract(epoch FROM observed_at) * 1000)::bigint FROM inserted
            """) {
            guard let camera = row[0], let ms = row[1].flatMap(Int64.init) else { continue }
            perCameraDay[CameraDay(camera: camera, day: BrusselsTime.localDay(ms)), default: 0] += 1
            inserted += 1
        }
        return (inserted, perCameraDay)
    }

    /// Adds cameras seen for the first time to the registry (flagged for review) and widens the
    /// seen period of known ones. A registered camera keeps its registry position.
    private func register(_ cameras: [String: CameraSighting], on db: Connection) throws {
        if cameras.isEmpty { return }
        let list = cameras.sorted { $0.key < $1.key }
        func instant(_ ms: Int64) -> String { XSDDateTime.format(epochMillis: ms, offsetMinutes: 0, zulu: true) }
        try db.query("""
            INSERT INTO cameras (camera_id, latitude, longitude, first_seen, last_seen, source, needs_review)
            SELECT id, lat, lon, first, last, 'detection', true
            FROM unnest($1::text[], $2::float8[], $3::float8[], $4::timestamptz[], $5::timestamptz[])
                AS u(id, lat, lon, first, last)
            ON CONFLICT (camera_id) DO UPDATE SET
                latitude = coalesce(cameras.latitude, excluded.latitude),
                longitude = coalesce(cameras.longitude, excluded.longitude),
                first_seen = least(cameras.first_seen, excluded.first_seen),
                last_seen = greatest(cameras.last_seen, excluded.last_seen)
            """, [PostgresArray.text(list.map(\.key)), PostgresArray.text(list.map { $0.value.latitude.map { String($0) } }),
                  PostgresArray.text(list.map { $0.value.longitude.map { String($0) } }), PostgresArray.text(list.map { instant($0.value.first) }),
                  PostgresArray.text(list.map { instant($0.value.last) })])
    }

    private func quarantine(_ lines: [RejectedLine], batchID: String, on db: Connection) throws {
        if lines.isEmpty { return }
        try db.copyIn("COPY quarantine (batch_id, line_number, reason, raw) FROM STDIN") { send in
            var chunk = ""
            for r in lines {
                chunk += "\(batchID)\t\(r.lineNumber)\t"
                CopyText.append(r.reason, to: &chunk); chunk += "\t"
                CopyText.append(r.raw, to: &chunk); chunk += "\n"
            }
            try send(chunk)
        }
    }
}

/// An Idempotency-Key that was used before for a different upload.
public struct IdempotencyConflict: Error, CustomStringConvertible, Sendable {
    public let key: String
    public var description: String { "the Idempotency-Key \"\(key)\" was used before for a different upload" }
}

/// Where and when a camera was seen in one source (its first detection's position).
struct CameraSighting: Sendable {
    var latitude: Double?
    var longitude: Double?
    var first: Int64
    var last: Int64
    /// Valid detections per local day (Brussels, days since 1970-01-01), for the statistics.
    var days: [Int: Int] = [:]
    /// Valid detections per UTC hour (hours since 1970), for the duplicate share of data quality.
    var hours: [Int64: Int] = [:]

    init(_ d: Detection) {
        latitude = d.latitude
        longitude = d.longitude
        first = d.epochMillis
        last = d.epochMillis
    }

    func merged(with other: CameraSighting) -> CameraSighting {
        var s = self
        if s.latitude == nil { s.latitude = other.latitude; s.longitude = other.longitude }
        s.first = min(first, other.first)
        s.last = max(last, other.last)
        s.days.merge(other.days, uniquingKeysWith: +)
        s.hours.merge(other.hours, uniquingKeysWith: +)
        return s
    }

    mutating func add(_ d: Detection) {
        if latitude == nil, let lat = d.latitude, let lon = d.longitude { latitude = lat; longitude = lon }
        first = min(first, d.epochMillis)
        last = max(last, d.epochMillis)
        days[BrusselsTime.localDay(d.epochMillis), default: 0] += 1
        hours[d.epochMillis >= 0 ? d.epochMillis / 3_600_000 : (d.epochMillis + 1) / 3_600_000 - 1, default: 0] += 1
    }
}

/// One camera in one UTC hour (hours since 1970-01-01T00Z): the unit of the duplicate share.
struct CameraHour: Hashable, Sendable {
    let camera: String
    let hour: Int64
}

/// One camera on one local day (days since 1970-01-01): the unit of the ingest statistics.
struct CameraDay: Hashable, Sendable {
    let camera: String
    let day: Int
}
