/// Retention of raw ANPR data: detections are deleted once every treatment passed them at least
/// `keepHours` ago; quarantined lines (which hold plate hashes verbatim) and upload records once
/// their batch is that old. Runs hourly inside `serve` and on demand as `kruispunt purge`.
public enum StagingRetention {
    /// What a purge removes (or, for a dry run, would remove).
    public struct Plan: Sendable, Equatable, Codable {
        public var detections = 0
        public var quarantinedLines = 0
        public var uploadRecords = 0
        /// The highest detection id that may go (0: none).
        public var upToDetectionID: Int64 = 0
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
            let counts = try db.query("""
                SELECT (SELECT count(*) FROM detections WHERE id <= $1),
                       (SELECT count(*) FROM quarantine q JOIN ingest_batches b ON b.id = q.batch_id WHERE b.received_at <= \(horizon)),
                       (SELECT count(*) FROM ingest_requests WHERE received_at <= \(horizon))
                """, [String(plan.upToDetectionID)])[0].map { Int($0 ?? "0") ?? 0 }
            (plan.detections, plan.quarantinedLines, plan.uploadRecords) = (counts[0], counts[1], counts[2])
            if dryRun { return plan }
            try db.query("DELETE FROM detections WHERE id <= $1", [String(plan.upToDetectionID)])
            try db.execute("""
                DELETE FROM quarantine q USING ingest_batches b WHERE b.id = q.batch_id AND b.received_at <= \(horizon);
                DELETE FROM ingest_requests WHERE received_at <= \(horizon)
                """)
            return plan
        }
    }
}
