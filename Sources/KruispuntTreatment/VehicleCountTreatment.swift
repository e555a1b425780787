import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore
import Logging

/// What one treatment run did.
public struct TreatmentSummary: Sendable, Codable, Equatable {
    public var detections = 0
    public var observations = 0
    public var suppressed = 0
    public init() {}
}

/// The vehicle-count treatment: hourly and daily counts per camera, incremental and exactly-once.
///
/// Each run reads the detections committed since its checkpoint, adds them to the running counts
/// of the cells they fall in (late data re-opens old cells), publishes a new version of every
/// changed cell, and moves the checkpoint, all in one transaction: a crash at any point leaves
/// either everything or nothing.
public struct VehicleCountTreatment: Sendable {
    public static let checkpointName = "vehicle-counts"
    public let mapping: CountObservationMapping
    private let logger: Logger

    public init(iris: IRIScheme, policy: SmallCountPolicy, logger: Logger) {
        self.mapping = CountObservationMapping(iris: iris, policy: policy)
        self.logger = logger
    }

    /// Treats everything ingested so far and returns when done.
    @discardableResult
    public func run(on db: Connection, now: Date = Date()) throws -> TreatmentSummary {
        try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock(\(Ingestor.stagingLock))")
            let checkpoint = try db.query(
                "SELECT last_detection_id, (extract(epoch FROM last_run_at) * 1000)::bigint FROM treatment_checkpoints WHERE name = $1",
                [Self.checkpointName]).first
            let from = checkpoint?[0].flatMap(Int64.init) ?? 0
            let lastRun = checkpoint?[1].flatMap(Int64.init) ?? 0
            let to = try db.query("SELECT coalesce(max(id), 0) FROM detections")[0][0].flatMap(Int64.init) ?? 0
            var summary = TreatmentSummary()
            guard to > from else { return summary }

            // 1. Count the new detections per cell.
            var deltas: [CountCell: Int] = [:]
            try db.copyOut("""
                COPY (SELECT camera_id, (extract(epoch FROM observed_at) * 1000)::bigint FROM detections
                      WHERE id > \(from) AND id <= \(to)) TO STDOUT
                """) { line in
                let fields = CopyText.fields(line)
                guard fields.count == 2, let camera = fields[0], let ms = fields[1].flatMap(Int64.init) else {
                    throw StoreError("unexpected detection row")
                }
                deltas[CountCell.hour(camera: camera, at: ms), default: 0] += 1
                deltas[CountCell.day(camera: camera, at: ms), default: 0] += 1
                summary.detections += 1
            }

            // 2. Add them to the running counts; every touched cell gets a new version.
            var values = try merge(deltas, on: db)
            try applyComplementarySuppression(to: &values, on: db)

            // 3. Publish the new versions (one named graph each) and the camera descriptions.
            let generatedAt = max(Int64(now.timeIntervalSince1970 * 1000), lastRun + 1)
            var graphs: [Term: [Triple]] = [:]
            var members: [(member: Term, base: Term)] = []
            for value in values {
                let member = Term.iri(mapping.memberIRI(value))
                graphs[member] = mapping.triples(for: value, generatedAt: generatedAt)
                members.append((member, .iri(mapping.observationIRI(value.cell))))
                if !mapping.policy.allows(value.count) || value.complementarySuppression { summary.suppressed += 1 }
            }
            graphs[.iri(mapping.iris.camerasGraph)] = try cameraTriples(on: db)
            try QuadStore.replaceGraphs(graphs, on: db)
            try appendMembers(members, generatedAt: generatedAt, on: db)
            summary.observations = values.count

            // 4. Move the checkpoint with the output.
            try db.query("""
                INSERT INTO treatment_checkpoints (name, last_detection_id, last_run_at)
                VALUES ($1, $2, to_timestamp($3::double precision / 1000))
                ON CONFLICT (name) DO UPDATE SET last_detection_id = excluded.last_detection_id,
                    last_run_at = excluded.last_run_at
                """, [Self.checkpointName, String(to), String(generatedAt)])
            try db.query("""
                INSERT INTO treatment_runs (run_at, up_to_detection_id, detections, observations, min_count)
                VALUES (to_timestamp($1::double precision / 1000), $5, $2, $3, $4)
                """, [String(generatedAt), String(summary.detections), String(summary.observations),
                      String(mapping.policy.minimumCount), String(to)])
            logger.info("treatment run", metadata: ["detections": "\(summary.detections)",
                                                    "observations": "\(summary.observations)",
                                                    "suppressed": "\(summary.suppressed)"])
            return summary
        }
    }

    /// Adds deltas to `count_cells`; returns the new count and version of each touched cell,
    /// sorted by camera, period and start (a stable member order).
    private func merge(_ deltas: [CountCell: Int], on db: Connection) throws -> [CountValue] {
        try db.execute("""
            CREATE TEMP TABLE IF NOT EXISTS cell_delta (camera_id text, period char(1), start_utc timestamptz,
                end_utc timestamptz, delta bigint) ON COMMIT DROP
            """)
        try db.copyIn("COPY cell_delta FROM STDIN") { send in
            var chunk = ""
            for (cell, delta) in deltas {
                CopyText.append(cell.cameraID, to: &chunk)
                chunk += "\t\(cell.period.rawValue)\t"
                chunk += XSDDateTime.format(epochMillis: cell.start, offsetMinutes: 0, zulu: true) + "\t"
                chunk += XSDDateTime.format(epochMillis: cell.end, offsetMinutes: 0, zulu: true) + "\t\(delta)\n"
                if chunk.utf8.count > 60_000 { try send(chunk); chunk = "" }
            }
            if !chunk.isEmpty { try send(chunk) }
        }
        let rows = try db.query("""
            INSERT INTO count_cells (camera_id, period, start_utc, end_utc, count, version)
            SELECT camera_id, period, start_utc, end_utc, delta, 1 FROM cell_delta
            ON CONFLICT (camera_id, period, start_utc) DO UPDATE
                SET count = count_cells.count + excluded.count, version = count_cells.version + 1
            RETURNING camera_id, period, (extract(epoch FROM start_utc) * 1000)::bigint,
                (extract(epoch FROM end_utc) * 1000)::bigint, count, version
            """)
        var values: [CountValue] = []
        values.reserveCapacity(rows.count)
        for row in rows {
            guard let camera = row[0], let period = row[1].flatMap(CountCell.Period.init(rawValue:)),
                  let start = row[2].flatMap(Int64.init), let end = row[3].flatMap(Int64.init),
                  let count = row[4].flatMap(Int.init), let version = row[5].flatMap(Int.init) else {
                throw StoreError("unexpected count cell row")
            }
            values.append(CountValue(cell: CountCell(cameraID: camera, period: period, start: start, end: end),
                                     count: count, version: version))
        }
        values.sort { ($0.cell.cameraID, $0.cell.period.rawValue, $0.cell.start) < ($1.cell.cameraID, $1.cell.period.rawValue, $1.cell.start) }
        return values
    }

    /// A day is the sum of its hours: when the suppressed hours of a camera-day add up to between
    /// 1 and k-1, publishing the day would reveal them by subtraction, so the day is suppressed
    /// too. (The remainder of every published day is then 0 or at least k.)
    private func applyComplementarySuppression(to values: inout [CountValue], on db: Connection) throws {
        let k = mapping.policy.minimumCount
        guard k > 1 else { return }
        let days = values.indices.filter { values[$0].cell.period == .day && mapping.policy.allows(values[$0].count) }
        if days.isEmpty { return }
        let cameras = days.map { values[$0].cell.cameraID }, starts = days.map { values[$0].cell.start }
        let ends = days.map { values[$0].cell.end }
        func array(_ xs: [String]) -> String { "{" + xs.map { "\"" + $0 + "\"" }.joined(separator: ",") + "}" }
        func instants(_ xs: [Int64]) -> String { array(xs.map { XSDDateTime.format(epochMillis: $0, offsetMinutes: 0, zulu: true) }) }
        let rows = try db.query("""
            SELECT d.n, coalesce(sum(h.count) FILTER (WHERE h.count BETWEEN 1 AND $4::int - 1), 0)
            FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[]) WITH ORDINALITY AS d(camera, start_utc, end_utc, n)
            LEFT JOIN count_cells h ON h.camera_id = d.camera AND h.period = 'H'
                AND h.start_utc >= d.start_utc AND h.start_utc < d.end_utc
            GROUP BY d.n
            """, [array(cameras), instants(starts), instants(ends), String(k)])
        for row in rows {
            guard let n = row[0].flatMap(Int.init), let hidden = row[1].flatMap(Int.init) else { continue }
            if hidden > 0 && hidden < k { values[days[n - 1]].complementarySuppression = true }
        }
    }

    private func cameraTriples(on db: Connection) throws -> [Triple] {
        try db.query("SELECT camera_id, latitude, longitude, name FROM cameras ORDER BY camera_id").flatMap { row -> [Triple] in
            guard let id = row[0] else { return [] }
            return mapping.cameraTriples(id: id, name: row[3], latitude: row[1].flatMap(Double.init),
                                         longitude: row[2].flatMap(Double.init))
        }
    }

    private func appendMembers(_ members: [(member: Term, base: Term)], generatedAt: Int64, on db: Connection) throws {
        if members.isEmpty { return }
        let ids = try QuadStore.lookup(members.flatMap { [$0.member, $0.base] }, on: db)
        // The base IRI is an object of dct:isVersionOf, so it is in the dictionary.
        let memberIDs = members.map { String(ids[$0.member]!) }, baseIDs = members.map { String(ids[$0.base]!) }
        try db.query("""
            INSERT INTO stream_members (stream, member, version_of, generated_at)
            SELECT $1, m, b, to_timestamp($4::double precision / 1000)
            FROM unnest($2::bigint[], $3::bigint[]) WITH ORDINALITY AS u(m, b, n) ORDER BY n
            """, [CountObservationMapping.stream, "{" + memberIDs.joined(separator: ",") + "}",
                  "{" + baseIDs.joined(separator: ",") + "}", String(generatedAt)])
    }
}
