import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore
import Logging

/// What one treatment run did.
public struct TreatmentSummary: Sendable, Codable, Equatable {
    /// New detections read since the last run.
    public var detections = 0
    /// Local days recomputed.
    public var days = 0
    /// Observation versions published.
    public var observations = 0
    /// Of which suppressed (or withdrawn).
    public var suppressed = 0
    /// Late detections for days whose raw data was already purged (not counted; see the README).
    public var lateAfterPurge = 0
    /// Observation versions that failed their SHACL shape: not published, kept in `member_quarantine`.
    public var rejected = 0
    /// Data-quality versions published (camera-hours), and of those with a rule that fired.
    public var qualityHours = 0, qualityAlerts = 0
    /// Restricted (scenario-2) observation versions published; computed only once a vehicle-registry
    /// extract is loaded.
    public var restrictedObservations = 0
    /// Restricted metrics not computed, and why (recurring vehicles under daily key rotation).
    public var notComputed: [String] = []
    /// The watermark after the run (UTC ms; latest event time minus the allowed lateness).
    public var watermark: Int64 = 0
    /// Seconds spent reading detections, computing and protecting cells, and writing observations.
    public var readSeconds = 0.0, computeSeconds = 0.0, writeSeconds = 0.0
    /// Seconds spent measuring, judging and publishing data quality.
    public var qualitySeconds = 0.0
    public init() {}
}

/// The treatment: every scenario-1 metric, streaming and exactly-once.
///
/// A run reads the detections committed since its checkpoint, marks the local days they fall in
/// as dirty, moves the watermark (latest event time minus the allowed lateness), and recomputes
/// every day that is dirty or has buckets the watermark just closed. A bucket is published once
/// closed (the watermark passed its end plus the max travel time; `flush` closes everything, for
/// backfills); after that, any change (late data) publishes a new version. Output, state and
/// checkpoint are committed in one transaction, and every value is a pure function of the
/// detections of its day: the latest versions are the same whatever the batches, order or crashes.
public struct Treatment: Sendable {
    public static let checkpointName = "treatment"
    /// SQL for the detections stored and not yet treated (by id: index probes, not a count).
    public static let backlogSQL = """
        greatest(0, coalesce((SELECT max(id) FROM detections), 0)
                    - coalesce((SELECT last_detection_id FROM treatment_checkpoints WHERE name = '\(checkpointName)'), 0))
        """
    public static let softwareVersion = "0.4.0"
    public let parameters: TreatmentParameters
    public let mapping: ObservationMapping
    /// Checks every observation version before it is published (nil: no check).
    public let validator: SHACLValidator?
    /// The data-quality rules' thresholds.
    public let quality: QualityThresholds
    private let logger: Logger

    public init(parameters: TreatmentParameters, iris: IRIScheme, validator: SHACLValidator? = nil,
                quality: QualityThresholds = QualityThresholds(), logger: Logger) {
        self.parameters = parameters
        self.validator = validator
        self.quality = quality
        self.mapping = ObservationMapping(iris: iris, activityIRI: iris.base + "/id/treatment/" + parameters.digest(softwareVersion: Self.softwareVersion))
        self.logger = logger
    }

    /// The advisory lock a treatment run holds for its transaction: one run at a time.
    public static let runLock = 7212003

    /// The highest detection id below which every id is committed for good, read in a short
    /// transaction of its own under the staging lock (so while no ingestion is in flight:
    /// ingestions take that lock before they draw an id, and hold it until they commit). A run
    /// treats the ids above its checkpoint up to this one, so uploads wait for the lock only that
    /// long, not for the whole run. Detections committed later may still be read by the run's
    /// later statements; they lie above the new checkpoint, so the next run takes them as new and
    /// recomputes their days: a value stays a function of all the detections of its day.
    static func committedHorizon(on db: Connection) throws -> Int64 {
        try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock(\(Ingestor.stagingLock))")
            return try db.query("SELECT coalesce(max(id), 0) FROM detections")[0][0].flatMap(Int64.init) ?? 0
        }
    }

    /// Treats everything ingested so far; with `flush`, closes every bucket.
    @discardableResult
    /// `isCancelled` is asked before each day and before the checkpoint moves: when it answers
    /// true the run throws `CancellationError` and its transaction rolls back.
    public func run(on db: Connection, now: Date = Date(), flush: Bool = true,
                    isCancelled: () -> Bool = { false }) throws -> TreatmentSummary {
        let to = try Self.committedHorizon(on: db)
        return try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock(\(Self.runLock))")
            let checkpoint = try db.query("""
                SELECT last_detection_id, max_event_ms, watermark_ms, (extract(epoch FROM last_run_at) * 1000)::bigint
                FROM treatment_checkpoints WHERE name = $1
                """, [Self.checkpointName]).first
            let from = checkpoint?[0].flatMap(Int64.init) ?? 0
            var maxEvent = checkpoint?[1].flatMap(Int64.init) ?? 0
            let oldWatermark = checkpoint?[2].flatMap(Int64.init) ?? Int64.min / 2
            let lastRun = checkpoint?[3].flatMap(Int64.init) ?? 0
            var summary = TreatmentSummary()
            // Restricted members stored before they were also dictionary-encoded (migration 31).
            try RestrictedStore.encodePending(versionsGraph: mapping.iris.versionsGraph, on: db)

            // 1. New detections move the latest event time on. A day must be recomputed now when one
            //    falls in a bucket already closed (late data) or the day was closed; other new data
            //    waits for the next hour the watermark closes (open buckets are not published).
            let delay = parameters.closingDelayMillis
            let closedBefore = (oldWatermark - delay).floorDiv(3_600_000) * 3_600_000
            if to > from {
                logger.info("treatment started", metadata: ["detections": "\(to - from)"])
                for row in try db.query("""
                    SELECT (observed_at AT TIME ZONE 'Europe/Brussels')::date::text, count(*),
                           max((extract(epoch FROM observed_at) * 1000)::bigint), min((extract(epoch FROM observed_at) * 1000)::bigint)
                    FROM detections WHERE id > $1 AND id <= $2 GROUP BY 1
                    """, [String(from), String(to)]) {
                    guard let day = row[0].flatMap(TreatmentStore.day), let n = row[1].flatMap(Int.init),
                          let latest = row[2].flatMap(Int64.init), let earliest = row[3].flatMap(Int64.init) else { continue }
                    summary.detections += n
                    maxEvent = max(maxEvent, latest)
                    let late = earliest < closedBefore
                    var days = [day]
                    if parameters.lookaheadMillis > 0 { days.append(day - 1) }
                    for d in days {
                        let purged = try db.query("""
                            INSERT INTO treatment_days (day, dirty) VALUES ($1::date, $2)
                            ON CONFLICT (day) DO UPDATE SET
                                dirty = NOT treatment_days.purged AND (treatment_days.dirty OR treatment_days.closed OR excluded.dirty),
                                closed = treatment_days.closed AND treatment_days.purged
                            RETURNING purged
                            """, [TreatmentStore.date(d), late ? "true" : "false"])[0][0] == "t"
                        if purged && d == day { summary.lateAfterPurge += n }
                    }
                }
            }
            let watermark = max(oldWatermark, maxEvent - Int64(parameters.latenessSeconds) * 1000)
            let effective = flush ? Int64.max / 2 : watermark
            summary.watermark = watermark
            if summary.lateAfterPurge > 0 {
                logger.warning("late detections for days whose raw data was purged are not counted", metadata: ["detections": "\(summary.lateAfterPurge)"])
            }

            // 2. Days to recompute: dirty ones, and open ones when the watermark closed another hour.
            let closedAnotherHour = flush || (effective - delay).floorDiv(3_600_000) > (oldWatermark - delay).floorDiv(3_600_000)
            let days = try db.query("""
                SELECT day::text FROM treatment_days WHERE NOT purged AND (dirty OR (NOT closed AND $1)) ORDER BY day
                """, [closedAnotherHour ? "true" : "false"]).compactMap { $0[0].flatMap(TreatmentStore.day) }

            let generatedAt = max(Int64(now.timeIntervalSince1970 * 1000), lastRun + 1)
            if !days.isEmpty {
                let (zones, limits) = try TreatmentStore.zones(on: db)
                var parameters = self.parameters
                parameters.zoneTransitLimitSeconds.merge(limits) { own, _ in own }
                let enriched = try db.query("SELECT EXISTS (SELECT 1 FROM vehicle_registry)")[0][0] == "t"
                for day in days {
                    if isCancelled() { throw CancellationError() }
                    try treat(day: day, zones: zones, parameters: parameters, effectiveWatermark: effective,
                              generatedAt: generatedAt, enriched: enriched, summary: &summary, on: db)
                }
                if enriched {
                    try treatWeeks(days: days, zones: zones, parameters: parameters, effectiveWatermark: effective,
                                   generatedAt: generatedAt, summary: &summary, on: db)
                }
                try treatProfiles(days: days, effectiveWatermark: effective, generatedAt: generatedAt, summary: &summary, on: db)
                // Quality measures whole hours up to the watermark, or up to the hour of the latest
                // event when flushing (an hour the data has not finished is not silence).
                let hour: Int64 = 3_600_000
                let measuredUntil = (flush ? maxEvent : watermark).floorDiv(hour) * hour
                let started = DispatchTime.now().uptimeNanoseconds
                try treatQuality(days: days, measuredUntil: measuredUntil, generatedAt: generatedAt, summary: &summary, on: db)
                summary.qualitySeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                try publishDescriptions(zones: zones, transitLimits: parameters.zoneTransitLimitSeconds, on: db)
                summary.days = days.count
            }

            // 3. The checkpoint moves with the output.
            if isCancelled() { throw CancellationError() }
            try db.query("""
                INSERT INTO treatment_checkpoints (name, last_detection_id, max_event_ms, watermark_ms, last_run_at)
                VALUES ($1, $2, $3, $4, to_timestamp($5::double precision / 1000))
                ON CONFLICT (name) DO UPDATE SET last_detection_id = excluded.last_detection_id,
                    max_event_ms = excluded.max_event_ms, watermark_ms = excluded.watermark_ms, last_run_at = excluded.last_run_at
                """, [Self.checkpointName, String(max(from, to)), String(maxEvent), String(watermark), String(generatedAt)])
            try db.query("""
                INSERT INTO treatment_runs (run_at, up_to_detection_id, detections, observations, min_count, late_after_purge, watermark_ms)
                VALUES (to_timestamp($1::double precision / 1000), $5, $2, $3, $4, $6, $7)
                """, [String(generatedAt), String(summary.detections), String(summary.observations),
                      String(parameters.minimumCount), String(max(from, to)), String(summary.lateAfterPurge), String(watermark)])
            logger.info("treatment run", metadata: ["detections": "\(summary.detections)", "days": "\(summary.days)",
                                                    "observations": "\(summary.observations)",
                                                    "suppressed": "\(summary.suppressed)",
                                                    "quality_alerts": "\(summary.qualityAlerts)",
                                                    "seconds": .string(String(format: "read %.2f, compute %.2f, write %.2f, quality %.2f",
                                                                              summary.readSeconds, summary.computeSeconds, summary.writeSeconds,
                                                                              summary.qualitySeconds))])
            return summary
        }
    }

    /// Recomputes one local day and publishes a new version of every closed observation whose
    /// published state changed.
    private func treat(day: Int, zones: ZoneNetwork, parameters: TreatmentParameters, effectiveWatermark: Int64,
                       generatedAt: Int64, enriched: Bool, summary: inout TreatmentSummary, on db: Connection) throws {
        let dayStart = BrusselsTime.dayStart(day), dayEnd = BrusselsTime.dayStart(day + 1)
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }
        let input = try TreatmentStore.detections(from: dayStart, to: dayEnd + parameters.lookaheadMillis, on: db)
        summary.readSeconds += lap()
        let cells = DayMetrics(parameters: parameters, zones: zones).protectedCells(day: day, input: input)
        summary.computeSeconds += lap()
        let delay = parameters.closingDelayMillis
        try publish(cells, day: day, generatedAt: generatedAt, summary: &summary, on: db) { effectiveWatermark >= $0.key.end + delay }
        if enriched {
            let restricted = try RestrictedMetrics(parameters: parameters, zones: zones).cells(day: day, open: cells, on: db)
            try publishRestricted(restricted, day: day, generatedAt: generatedAt, summary: &summary, on: db) {
                effectiveWatermark >= $0.key.end + delay
            }
        }
        summary.writeSeconds += lap()
        try db.query("UPDATE treatment_days SET dirty = false, closed = $2 WHERE day = $1::date",
                     [TreatmentStore.date(day), effectiveWatermark >= dayEnd + delay ? "true" : "false"])
    }

    /// Publishes a new version of every cell whose published state changed; a cell never
    /// published before waits until `closed` says its bucket is closed.
    private func publish(_ cells: [Cell], day: Int, generatedAt: Int64, summary: inout TreatmentSummary, on db: Connection,
                         closed: (Cell) -> Bool) throws {
        let stored = try TreatmentStore.states(day: day, on: db)
        var graphs: [Term: [Triple]] = [:]
        var members: [(stream: String, member: Term, base: Term)] = []
        var rows: [(path: String, day: Int, state: String, value: Double, version: Int)] = []
        var flows: Set<Feature> = []
        var times = ObservationMapping.TimeTerms()
        for cell in cells {
            guard let (path, state, version) = Self.nextVersion(of: cell, stored: stored, closed: closed) else { continue }
            let member = Term.iri(mapping.memberIRI(cell.key, version: version))
            graphs[member] = mapping.triples(cell, version: version, generatedAt: generatedAt, times: &times)
            members.append((cell.key.metric.stream, member, .iri(mapping.observationIRI(cell.key))))
            rows.append((path, day, state, cell.value, version))
            if !cell.isPublished { summary.suppressed += 1 }
            switch cell.key.feature {
            case .flow, .zoneFlow: flows.insert(cell.key.feature)
            default: break
            }
        }
        if let validator, !graphs.isEmpty {
            try reject(failing: validator, graphs: &graphs, members: &members, rows: &rows, summary: &summary, on: db)
        }
        for f in flows { graphs[.iri(f.iri(mapping.iris))] = mapping.flowTriples(f) }
        try QuadStore.replaceGraphs(graphs, on: db)
        try StreamMemberIndex.append(members, generatedAt: generatedAt, on: db)
        // Each superseded version points to its successor, outside the (immutable) members.
        try VersionLinks.link(members.map { ($0.stream, $0.base) }, graph: .iri(mapping.iris.versionsGraph), on: db)
        try TreatmentStore.saveStates(rows, on: db)
        summary.observations += members.count
    }

    /// The path, published state and version number of a cell's next version; nil when what a
    /// consumer sees of it is unchanged, or it was never published and its bucket is still open.
    static func nextVersion(of cell: Cell, stored: [String: (state: String, version: Int)],
                            closed: (Cell) -> Bool) -> (path: String, state: String, version: Int)? {
        let path = ObservationMapping.path(cell.key)
        let state = ObservationMapping.state(cell)
        let previous = stored[path]
        guard previous != nil || closed(cell) else { return nil }
        if previous?.state == state || (previous == nil && state == "-") { return nil }
        return (path, state, (previous?.version ?? 0) + 1)
    }

    /// Publishes a new version of every restricted cell whose published state changed, into the
    /// restricted tables (never the open quad store); a cell never published before waits until
    /// its bucket is closed.
    private func publishRestricted(_ cells: [Cell], day: Int, generatedAt: Int64, summary: inout TreatmentSummary,
                                   on db: Connection, closed: (Cell) -> Bool) throws {
        let date = TreatmentStore.date(day)
        let stored = try RestrictedStore.states(day: date, on: db)
        var states: [(key: String, day: String, state: String, version: Int)] = []
        var members: [RestrictedStore.NewMember] = []
        var times = ObservationMapping.TimeTerms()
        for cell in cells {
            guard let (path, state, version) = Self.nextVersion(of: cell, stored: stored, closed: closed) else { continue }
            let triples = mapping.triples(cell, version: version, generatedAt: generatedAt, times: &times)
            let (kind, id): (String, String)
            switch cell.key.feature {
            case .camera(let c): (kind, id) = ("camera", c)
            case .zone(let z): (kind, id) = ("zone", z)
            default: continue
            }
            members.append(.init(metric: cell.key.metric.slug, featureKind: kind, featureID: id,
                                 member: mapping.memberIRI(cell.key, version: version), versionOf: mapping.observationIRI(cell.key),
                                 triples: triples))
            states.append((path, date, state, version))
        }
        try RestrictedStore.save(states: states, members: members, generatedAtMillis: generatedAt, versionsGraph: mapping.iris.versionsGraph,
                                 on: db)
        summary.restrictedObservations += members.count
    }

    /// Recurring vehicles of every closed local week holding one of `days` whose detections are all
    /// still there; refused (and said so) under daily key rotation.
    private func treatWeeks(days: [Int], zones: ZoneNetwork, parameters: TreatmentParameters, effectiveWatermark: Int64,
                            generatedAt: Int64, summary: inout TreatmentSummary, on db: Connection) throws {
        if let why = RestrictedMetrics.recurringRefusal(parameters.keyRotation) {
            summary.notComputed.append("recurring-vehicles: " + why)
            logger.notice("recurring vehicles not computed", metadata: ["reason": .string(why)])
            return
        }
        let metrics = RestrictedMetrics(parameters: parameters, zones: zones)
        for monday in Set(days.map(TypicalProfile.monday)).sorted()
        where effectiveWatermark >= BrusselsTime.dayStart(monday + 7) + parameters.closingDelayMillis {
            let purged = try db.query("""
                SELECT count(*) FILTER (WHERE purged) FROM treatment_days WHERE day >= $1::date AND day < $2::date
                """, [TreatmentStore.date(monday), TreatmentStore.date(monday + 7)])[0][0]
            guard purged == "0" else { continue }
            let cells = try metrics.weekCells(monday: monday, on: db)
            try publishRestricted(cells, day: monday, generatedAt: generatedAt, summary: &summary, on: db) { _ in true }
        }
    }

    /// Validates the new versions against the shapes; a failing one is not published: its report
    /// goes to `member_quarantine` and its state stays as it was (the next run tries again).
    private func reject(failing validator: SHACLValidator, graphs: inout [Term: [Triple]],
                        members: inout [(stream: String, member: Term, base: Term)],
                        rows: inout [(path: String, day: Int, state: String, value: Double, version: Int)],
                        summary: inout TreatmentSummary, on db: Connection) throws {
        let report = validator.validate(graphs.values.flatMap { $0 })
        if report.conforms { return }
        let failing = Set(report.results.map(\.focusNode))
        for (i, m) in members.enumerated().reversed() where failing.contains(m.member) {
            let results = report.results.filter { $0.focusNode == m.member }
            let text = NTriples.serialize(SHACLValidator.Report(results: results).triples())
            try db.query("INSERT INTO member_quarantine (key, state, report) VALUES ($1, $2, $3)", [rows[i].path, rows[i].state, text])
            logger.error("observation failed its shape: not published", metadata: ["observation": "\(rows[i].path)",
                                                                                      "violations": "\(results.count)"])
            graphs[m.member] = nil
            members.remove(at: i)
            rows.remove(at: i)
            summary.rejected += 1
        }
    }

    /// Recomputes the time-of-day profiles of the complete four-week windows holding `days`
    /// (only windows the data covers from their first to their last day).
    private func treatProfiles(days: [Int], effectiveWatermark: Int64, generatedAt: Int64,
                               summary: inout TreatmentSummary, on db: Connection) throws {
        let span = try db.query("SELECT min(day)::text, max(day)::text FROM treatment_days")[0]
        guard let first = span[0].flatMap(TreatmentStore.day), let last = span[1].flatMap(TreatmentStore.day) else { return }
        var windows: Set<Int> = []
        for d in days {
            let m = TypicalProfile.monday(d)
            for start in [m - 21, m - 14, m - 7, m] where start >= first && start + 27 <= last
                && effectiveWatermark >= BrusselsTime.dayStart(start + 28) + parameters.closingDelayMillis {
                windows.insert(start)
            }
        }
        for start in windows.sorted() {
            let rows = try db.query("""
                SELECT key, value, state FROM published_cells WHERE day >= $1::date AND day < $2::date
                AND (key LIKE 'vehicle-count/camera/%/hour/%' OR key LIKE 'entering-vehicles/zone/%/hour/%')
                """, [TreatmentStore.date(start), TreatmentStore.date(start + 28)])
            var hours: [TypicalProfile.Hour] = []
            for row in rows {
                guard let key = row[0], let value = row[1].flatMap(Double.init), let state = row[2] else { continue }
                let parts = key.split(separator: "/").map(String.init)
                guard parts.count == 5, let id = parts[2].removingPercentEncoding, parts[4].count >= 11,
                      let y = Int(parts[4].prefix(4)), let mo = Int(parts[4].dropFirst(4).prefix(2)),
                      let d = Int(parts[4].dropFirst(6).prefix(2)), let h = Int(parts[4].dropFirst(9).prefix(2)) else { continue }
                hours.append(.init(feature: parts[1] == "camera" ? .camera(id) : .zone(id), day: XSDDateTime.daysFromCivil(y, mo, d),
                                   hourOfDay: h, value: Int(value), published: state.hasPrefix("=")))
            }
            let cells = TypicalProfile.cells(windowStart: start, hours: hours, minimumCount: parameters.minimumCount)
            try publish(cells, day: start, generatedAt: generatedAt, summary: &summary, on: db) { _ in true }
        }
    }

    /// Measures the data quality of every camera-hour before `measuredUntil` in `days`, evaluates
    /// the rules against the camera's baseline (the same local hour in earlier weeks, as measured
    /// before) and publishes a new version of each camera-hour whose measures or rules changed.
    /// Cameras with a baseline and no detections get an hour too (silence). The days of the next
    /// weeks whose baseline these hours are part of are judged again from their stored measures
    /// (their detections may be gone), so late data changes their rules too.
    private func treatQuality(days: [Int], measuredUntil: Int64, generatedAt: Int64,
                              summary: inout TreatmentSummary, on db: Connection) throws {
        let q = QualityMapping(mapping: mapping, policy: parameters.policy)
        var times = ObservationMapping.TimeTerms()
        var graphs: [Term: [Triple]] = [:]
        var members: [(stream: String, member: Term, base: Term)] = []
        let hourMs: Int64 = 3_600_000, weekHours: Int64 = 168, weeks = Int64(max(1, quality.baselineWeeks))
        /// A new version of a camera-hour's quality, published.
        func publish(_ key: QualityStore.Key, _ m: QualityMeasures, _ fired: [QualityRule], version: Int) {
            let member = Term.iri(q.memberIRI(camera: key.camera, hour: key.hour, version: version))
            graphs[member] = q.triples(camera: key.camera, hour: key.hour, measures: m, fired: fired, version: version,
                                       generatedAt: generatedAt, times: &times)
            members.append((QualityMapping.stream, member, .iri(q.baseIRI(camera: key.camera, hour: key.hour))))
            if !fired.isEmpty { summary.qualityAlerts += 1 }
        }
        for day in days {
            let from = BrusselsTime.dayStart(day)
            let to = min(BrusselsTime.dayStart(day + 1), measuredUntil)
            guard to > from else { continue }
            let measured = try QualityStore.measures(from: from, to: to, thresholds: quality, on: db)
            let earlier = try QualityStore.counts(from: from - (weeks * weekHours + 2) * hourMs, to: to - (weekHours - 2) * hourMs, on: db)
            let stored = try QualityStore.states(from: from, to: to, on: db)
            let cameras = Set(measured.keys.map(\.camera)).union(earlier.keys.map(\.camera)).sorted()
            var rows: [(key: QualityStore.Key, measures: QualityMeasures, fired: [QualityRule], version: Int)] = []
            for hour in (from / hourMs)..<(to / hourMs) {
                for camera in cameras {
                    let key = QualityStore.Key(camera: camera, hour: hour)
                    let m = measured[key] ?? QualityMeasures()
                    let history = (1...weeks).compactMap { earlier[QualityStore.Key(camera: camera, hour: Self.sameLocalHour(hour, weeksBefore: $0))] }
                    let previous = stored[key]
                    guard m.lines > 0 || !history.isEmpty || previous != nil else { continue }
                    let fired = quality.fired(m, earlier: history)
                    if let previous, previous.measures == m, previous.fired == fired.map(\.rawValue) { continue }
                    let version = (previous?.version ?? 0) + 1
                    publish(key, m, fired, version: version)
                    rows.append((key, m, fired, version))
                }
            }
            try QualityStore.save(rows, on: db)
        }
        let weekDays = Set(days.flatMap { d in (1...Int(weeks)).map { d + 7 * $0 } }).subtracting(days)
        for day in weekDays.sorted() {
            let from = BrusselsTime.dayStart(day)
            let to = min(BrusselsTime.dayStart(day + 1), measuredUntil)
            guard to > from else { continue }
            let earlier = try QualityStore.counts(from: from - (weeks * weekHours + 2) * hourMs, to: to - (weekHours - 2) * hourMs, on: db)
            var rows: [(key: QualityStore.Key, measures: QualityMeasures, fired: [QualityRule], version: Int)] = []
            for (key, stored) in try QualityStore.states(from: from, to: to, on: db).sorted(by: { ($0.key.hour, $0.key.camera) < ($1.key.hour, $1.key.camera) }) {
                let history = (1...weeks).compactMap { earlier[QualityStore.Key(camera: key.camera, hour: Self.sameLocalHour(key.hour, weeksBefore: $0))] }
                let fired = quality.fired(stored.measures, earlier: history)
                guard stored.fired != fired.map(\.rawValue) else { continue }
                publish(key, stored.measures, fired, version: stored.version + 1)
                rows.append((key, stored.measures, fired, stored.version + 1))
            }
            try QualityStore.save(rows, on: db)
        }
        try QuadStore.replaceGraphs(graphs, on: db)
        try StreamMemberIndex.append(members, generatedAt: generatedAt, on: db)
        try VersionLinks.link(members.map { ($0.stream, $0.base) }, graph: .iri(mapping.iris.versionsGraph), on: db)
        summary.qualityHours += members.count
    }

    /// The UTC hour (hours since 1970) with the same local time `weeks` weeks earlier.
    static func sameLocalHour(_ hour: Int64, weeksBefore weeks: Int64) -> Int64 {
        let ms = hour * 3_600_000, back = ms - weeks * 7 * 86_400_000
        let shift = Int64(BrusselsTime.offsetMinutes(atEpochMillis: ms) - BrusselsTime.offsetMinutes(atEpochMillis: back)) * 60_000
        return (back + shift).floorDiv(3_600_000)
    }

    /// Cameras, zones (with their own transit limits) and the generating activity, each in its own graph.
    private func publishDescriptions(zones: ZoneNetwork, transitLimits: [String: Int], on db: Connection) throws {
        let cameras = try db.query("SELECT camera_id, latitude, longitude, name FROM cameras ORDER BY camera_id").flatMap { row -> [Triple] in
            guard let id = row[0] else { return [] }
            return mapping.cameraTriples(id: id, name: row[3], latitude: row[1].flatMap(Double.init), longitude: row[2].flatMap(Double.init))
        }
        try QuadStore.replaceGraphs([
            .iri(mapping.iris.camerasGraph): cameras,
            .iri(mapping.iris.base + "/graph/zones"): zones.zones.flatMap { mapping.zoneTriples($0, transitLimitSeconds: transitLimits[$0.id]) },
            .iri(mapping.activityIRI): mapping.activityTriples(parameters, softwareVersion: Self.softwareVersion),
        ], on: db)
    }
}

extension Int64 {
    /// Division rounding towards minus infinity.
    func floorDiv(_ d: Int64) -> Int64 { self >= 0 ? self / d : -((-self + d - 1) / d) }
}
