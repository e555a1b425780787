/// Retention of raw ANPR data: detections are deleted a whole local day at a time, once the
/// treatment closed that day, has nothing left to recompute in it, and passed all of its
/// detections at least `keepHours` ago (the treatment recomputes a day from all of its
/// detections, so a day is never cut in part). Quarantined lines (which hold plate hashes
/// verbatim) and upload records go once their batch is that old. Runs hourly inside `serve` and
/// on demand as `kruispunt purge`.
public enum StagingRetention {
    /// What a purge removes (or, for a dry run, would remove).
    public struct Plan: Sendable, Equatable, Codable {
        public var detections = 0
        public var quarantinedLines = 0
        public var uploadRecords = 0
        /// The highest detection id that may go (0: none).
        public var upToDetectionID: Int64 = 0
        /// The local days whose detections go (`YYYY-MM-DD`).
        public var days: [String] = []
    }

    /// Plans and, unless `dryRun`, carries out the purge in one transaction.
    @discardableResult
    public static func purge(keepHours: Double, dryRun: Bool, on db: Connection) throws -> Plan {
        try db.transaction {
            guard keepHours.isFinite, keepHours > 0 else { throw StoreError("the retention must be a positive number of hours") }
            let horizon = "now() - make_interval(secs => \(keepHours * 3600))"
            var plan = Plan()
            plan.upToDetectionID = Int64(try db.query("""
                SELECT coalesce(max(up_to_detection_id), 0) FROM treatment_runs WHERE run_at <= \(horizon)
                """)[0][0] ?? "0") ?? 0
            // Whole days: closed, clean, and with no detection newer than the horizon.
            for row in try db.query("SELECT day::text FROM treatment_days WHERE closed AND NOT dirty AND NOT purged ORDER BY day") {
                guard let day = row[0] else { continue }
                let newest = try db.query("SELECT coalesce(max(id), 0), count(*) FROM detections WHERE \(Self.onDay)", [day])[0]
                guard let maxID = newest[0].flatMap(Int64.init), maxID <= plan.upToDetectionID,
                      let n = newest[1].flatMap(Int.init) else { continue }
                plan.days.append(day)
                plan.detections += n
            }
            let counts = try db.query("""
                SELECT (SELECT count(*) FROM quarantine q JOIN ingest_batches b ON b.id = q.batch_id WHERE b.received_at <= \(horizon)),
                       (SELECT count(*) FROM ingest_requests WHERE received_at <= \(horizon))
                """)[0].map { Int($0 ?? "0") ?? 0 }
            (plan.quarantinedLines, plan.uploadRecords) = (counts[0], counts[1])
            if dryRun { return plan }
            for day in plan.days {
                try db.query("DELETE FROM detections WHERE \(Self.onDay)", [day])
                try db.query("UPDATE treatment_days SET purged = true WHERE day = $1::date", [day])
            }
            // The registry extract of a key period goes with the period's last detections.
            try db.execute("""
                DELETE FROM vehicle_registry r
                WHERE r.period_last <= (SELECT max(day) FROM treatment_days WHERE purged)
                  AND NOT EXISTS (SELECT 1 FROM treatment_days t WHERE NOT t.purged AND t.day BETWEEN r.period_first AND r.period_last)
                """)
            try db.execute("""
                DELETE FROM quarantine q USING ingest_batches b WHERE b.id = q.batch_id AND b.received_at <= \(horizon);
                DELETE FROM ingest_requests WHERE received_at <= \(horizon)
                """)
            return plan
        }
    }

    /// SQL for the lowest primary key of the detections of local day `date` (a date expression):
    /// the fingerprint starts with the instant (48 bits of epoch milliseconds).
    static func lowestKey(_ date: String) -> String {
        "(lpad(to_hex((extract(epoch FROM ((\(date))::timestamp AT TIME ZONE 'Europe/Brussels')) * 1000)::bigint << 16), 16, '0') || '0000000000000000')::uuid"
    }

    /// SQL condition: the detection belongs to local day `$1`.
    static let onDay = "fingerprint >= \(lowestKey("$1::date")) AND fingerprint < \(lowestKey("$1::date + 1"))"
}
