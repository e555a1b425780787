import Foundation
import KruispuntRDF

/// Retention of published observations: every event-stream member published before a cutoff
/// goes, with its named graph. Large loads keep tables of their own, in publication order (see
/// `BulkLoad` and `QuadStore.compact`), so most old quads go as whole tables (`DROP TABLE`, no
/// row touched); members in tables that also hold newer or non-member graphs are deleted a
/// graph (one index range) at a time. The removed interval is kept per stream, so that pages
/// for it can answer 410 Gone. Terms that only removed quads used stay in the dictionary: an id
/// never changes meaning, and a term is small next to its quads.
public enum MemberRetention {
    /// What a purge removes (or, for a dry run, would remove).
    public struct Plan: Sendable, Equatable, Codable {
        /// Members removed, per stream.
        public var members: [String: Int] = [:]
        /// Load tables dropped whole, and the quads they held.
        public var droppedTables: [String] = []
        public var quadsInDroppedTables = 0
        /// Quads deleted from tables that stay.
        public var quadsDeleted = 0
    }

    /// Plans and, unless `dryRun`, removes the members published before `cutoffMillis` (epoch
    /// milliseconds, rounded down to a whole UTC hour so that the time-fragmented view loses
    /// whole pages) in one transaction, under the quad writers' lock.
    @discardableResult
    public static func purge(publishedBeforeMillis requested: Int64, dryRun: Bool, on db: Connection) throws -> Plan {
        let cutoffMillis = requested - ((requested % 3_600_000) + 3_600_000) % 3_600_000
        return try db.transaction {
            let cutoff = "to_timestamp(\(cutoffMillis)::double precision / 1000)"
            try db.execute("""
                SELECT pg_advisory_xact_lock(\(QuadStore.writerLock));
                CREATE TEMP TABLE expired_members ON COMMIT DROP AS
                    SELECT DISTINCT member FROM stream_members WHERE generated_at < \(cutoff);
                ALTER TABLE expired_members ADD PRIMARY KEY (member);
                ANALYZE expired_members
                """)
            var plan = Plan()
            for row in try db.query("SELECT stream, count(*) FROM stream_members WHERE generated_at < \(cutoff) GROUP BY stream") {
                if let stream = row[0], let n = row[1].flatMap(Int.init) { plan.members[stream] = n }
            }
            // Restricted members (`RestrictedStore`) are kept no longer than the open ones.
            for row in try db.query("SELECT metric, count(*) FROM restricted_members WHERE generated_at < \(cutoff) GROUP BY 1") {
                if let metric = row[0], let n = row[1].flatMap(Int.init) { plan.members["restricted/" + metric] = n }
            }
            if !dryRun { try db.execute("DELETE FROM restricted_members WHERE generated_at < \(cutoff)") }
            if plan.members.isEmpty { return plan }
            for table in try QuadStore.loadTables(on: db) where try holdsOnlyExpiredMembers(table, on: db) {
                plan.droppedTables.append(table)
                plan.quadsInDroppedTables += Int(try db.query("SELECT count(*) FROM \(table)")[0][0] ?? "0") ?? 0
            }
            let rest = plan.droppedTables.isEmpty ? "" : " AND q.tableoid NOT IN (" +
                plan.droppedTables.map { "'\($0)'::regclass" }.joined(separator: ", ") + ")"
            if dryRun {
                plan.quadsDeleted = Int(try db.query("SELECT count(*) FROM quads q JOIN expired_members e ON q.g = e.member WHERE true" + rest)[0][0] ?? "0") ?? 0
                return plan
            }
            try ObservationIndex.collect(.init("(SELECT q.s, q.p, q.o FROM quads q JOIN expired_members e ON q.g = e.member)"), on: db)
            try QuadStore.lockForRemoval(plan.droppedTables, on: db)
            for table in plan.droppedTables { try db.execute("DROP TABLE \(table)") }
            plan.quadsDeleted = try db.update("DELETE FROM quads q USING expired_members e WHERE q.g = e.member")
            // The links from expired versions to their successors (`VersionLinks`) go with them.
            if let replacedBy = try QuadStore.lookup([.iri(DCT.isReplacedBy)], on: db)[.iri(DCT.isReplacedBy)] {
                plan.quadsDeleted += try db.update("DELETE FROM quads q USING expired_members e WHERE q.s = e.member AND q.p = \(replacedBy)")
            }
            try ObservationIndex.refreshPending(on: db)
            try db.execute("""
                INSERT INTO stream_horizons (stream, removed_before)
                    SELECT DISTINCT stream, \(cutoff) FROM stream_members WHERE generated_at < \(cutoff)
                    ON CONFLICT (stream) DO UPDATE SET removed_before = greatest(stream_horizons.removed_before, excluded.removed_before);
                DELETE FROM stream_members WHERE generated_at < \(cutoff)
                """)
            return plan
        }
    }

    /// Removes (or, for a dry run, plans) the members published more than `days` days before `now`.
    @discardableResult
    public static func purge(keepingDays days: Int, now: Date = Date(), dryRun: Bool, on db: Connection) throws -> Plan {
        try purge(publishedBeforeMillis: Int64((now.timeIntervalSince1970 - Double(days) * 86_400) * 1000), dryRun: dryRun, on: db)
    }

    /// Whether a load table holds only graphs of expired members. Tables follow publication
    /// order, so the newest graph (the highest id) rules out the recent ones at once.
    static func holdsOnlyExpiredMembers(_ table: String, on db: Connection) throws -> Bool {
        let ends = try db.query("SELECT min(g), max(g) FROM \(table)")[0]
        guard let low = ends[0].flatMap(Int64.init), let high = ends[1].flatMap(Int64.init), low > 0 else { return false }
        guard try db.query("SELECT 1 FROM expired_members WHERE member = $1", [String(high)]).count == 1 else { return false }
        return try db.query("""
            SELECT NOT EXISTS (SELECT 1 FROM (SELECT DISTINCT g FROM \(table)) d
                               WHERE NOT EXISTS (SELECT 1 FROM expired_members e WHERE e.member = d.g))
            """)[0][0] == "t"
    }

    /// The instant (epoch milliseconds) before which a stream's members were removed, if any.
    public static func horizon(stream: String, on db: Connection) throws -> Int64? {
        try db.query("SELECT (extract(epoch FROM removed_before) * 1000)::bigint FROM stream_horizons WHERE stream = $1",
                     [stream]).first?[0].flatMap(Int64.init)
    }
}
