import Dispatch
import KruispuntRDF

/// One load of quads, in the caller's transaction: terms are interned batch by batch, and a quad
/// that has a term new to the store (or any quad, for graphs the caller emptied) cannot be
/// stored yet, so it is copied straight into a load table of its own; only quads made of known
/// terms are staged and checked against the store. At `finish` a large load table (at least
/// `childThreshold` quads) is indexed (four B-trees built at once, about five times cheaper than
/// inserting into them row by row; a duplicate inside the load is found by the primary key and
/// removed) and put under `quads`; a small one is poured into `quads` itself. Readers see the
/// load once it commits, and never half of it. Loads run one at a time (an advisory lock).
public final class BulkLoad {
    public static let childThreshold = 100_000
    private let db: Connection
    private let intoEmptyGraphs: Bool
    /// Term ids above this were created by this load.
    private let watermark: Int64
    private var table: String?
    private var direct = 0
    private var staged = 0
    /// The batch prepared last, not written yet.
    private var pending: QuadBatch?

    /// Where the preparing thread leaves its batch.
    private final class Prepared: @unchecked Sendable {
        var batch: QuadBatch?
    }

    /// With `intoEmptyGraphs` the caller guarantees that no quad of these graphs is stored yet
    /// (new graphs, or graphs it just emptied), so nothing needs to be checked against the store.
    public init(intoEmptyGraphs: Bool = false, on db: Connection) throws {
        self.db = db
        self.intoEmptyGraphs = intoEmptyGraphs
        try db.execute("""
            SELECT pg_advisory_xact_lock(\(QuadStore.writerLock));
            CREATE TEMP TABLE IF NOT EXISTS quad_load (g bigint, s bigint, p bigint, o bigint) ON COMMIT DELETE ROWS;
            TRUNCATE quad_load
            """)
        watermark = Int64(try db.query("SELECT coalesce(max(id), 0) FROM terms")[0][0] ?? "0") ?? 0
    }

    /// Adds quads: their terms are numbered and written out on another thread while the previous
    /// batch goes to the database.
    public func add(_ quads: [Quad]) throws {
        if quads.isEmpty { return }
        let next = Prepared()
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) { next.batch = QuadBatch(quads) }
        defer { done.wait() }
        try writePending()
        done.wait()
        pending = next.batch
    }

    /// Adds a batch prepared by the caller (on a thread of its own).
    func add(_ batch: QuadBatch) throws {
        try writePending()
        try write(batch)
    }

    private func writePending() throws {
        guard let batch = pending else { return }
        pending = nil
        try write(batch)
    }

    /// Interns a batch's terms and copies its quads into the load table or the staging table.
    private func write(_ batch: QuadBatch) throws {
        let ids = try QuadStore.intern(batch.terms, on: db)
        var rows: [(Int64, Int64, Int64, Int64)] = []
        rows.reserveCapacity(batch.count)
        var known: [Int] = []
        batch.numbers.withUnsafeBufferPointer { n in
            for i in 0..<batch.count {
                let g = n[4 * i] < 0 ? 0 : ids[Int(n[4 * i])]
                let row = (g, ids[Int(n[4 * i + 1])], ids[Int(n[4 * i + 2])], ids[Int(n[4 * i + 3])])
                rows.append(row)
                if !intoEmptyGraphs, max(row.0, row.1, row.2, row.3) <= watermark { known.append(i) }
            }
        }
        if known.count < rows.count {
            if table == nil { table = try QuadStore.newLoadTable(on: db) }
            var next = 0
            try copy(into: table!, count: rows.count) { n in
                if next < known.count, known[next] == n { next += 1; return nil }
                return rows[n]
            }
            direct += rows.count - known.count
        }
        if !known.isEmpty {
            try copy(into: "quad_load", count: known.count) { rows[known[$0]] }
            staged += known.count
        }
    }

    /// COPY of `count` rows (nil: skip) as text.
    private func copy(into table: String, count: Int, _ row: (Int) -> (Int64, Int64, Int64, Int64)?) throws {
        try db.copyIn("COPY \(table) FROM STDIN") { send in
            var chunk = ""
            chunk.reserveCapacity(1 << 16)
            for n in 0..<count {
                guard let r = row(n) else { continue }
                chunk += String(r.0); chunk += "\t"; chunk += String(r.1); chunk += "\t"
                chunk += String(r.2); chunk += "\t"; chunk += String(r.3); chunk += "\n"
                if chunk.utf8.count > 60_000 { try send(chunk); chunk.removeAll(keepingCapacity: true) }
            }
            if !chunk.isEmpty { try send(chunk) }
        }
    }

    /// Adds what the load holds that the store does not have yet; returns how many quads.
    public func finish() throws -> Int {
        try writePending()
        // Staged quads (only known terms): those not stored yet, in any table under quads.
        let unseen = """
            SELECT DISTINCT l.g, l.s, l.p, l.o FROM quad_load l
            WHERE NOT EXISTS (SELECT 1 FROM quads q WHERE q.g = l.g AND q.s = l.s AND q.p = l.p AND q.o = l.o)
            """
        guard let table else {
            guard staged > 0 else { return 0 }
            let added = try db.update("INSERT INTO quads \(unseen) ON CONFLICT DO NOTHING")
            if added > 0 { try ObservationIndex.refresh(after: .init("quad_load", newTermsAbove: watermark), on: db) }
            return added
        }
        let total = direct + (staged == 0 ? 0 : try db.update("INSERT INTO \(table) \(unseen)"))
        if total < Self.childThreshold {
            // Small: into quads itself (a quad with a new term is not there yet).
            let added = try db.update("INSERT INTO quads SELECT DISTINCT g, s, p, o FROM \(table) ON CONFLICT DO NOTHING")
            try ObservationIndex.refresh(after: .init(table, newTermsAbove: watermark), on: db)
            try db.execute("DROP TABLE \(table)")
            return added
        }
        try db.execute("SAVEPOINT bulk_load_index")
        do {
            try QuadStore.indexAndAttach(table, on: db)
            try db.execute("RELEASE SAVEPOINT bulk_load_index")
            try ObservationIndex.refresh(after: .init(table, newTermsAbove: watermark), on: db)
            return total
        } catch let error as StoreError where error.isUniqueViolation {
            // The load repeats a quad: keep one of each, then index.
            try db.execute("ROLLBACK TO SAVEPOINT bulk_load_index")
            let removed = try db.update("""
                DELETE FROM \(table) t USING (
                    SELECT ctid FROM (SELECT ctid, row_number() OVER (PARTITION BY g, s, p, o) AS n FROM \(table)) x WHERE n > 1
                ) d WHERE t.ctid = d.ctid
                """)
            try QuadStore.indexAndAttach(table, on: db)
            try db.execute("RELEASE SAVEPOINT bulk_load_index")
            try ObservationIndex.refresh(after: .init(table, newTermsAbove: watermark), on: db)
            return total - removed
        }
    }
}

extension QuadStore {
    /// The advisory lock that writers of quads (loads, merges) hold for their transaction.
    static let writerLock = 7_212_003

    /// Creates an empty, unindexed load table and returns its name (`quads_N`).
    static func newLoadTable(on db: Connection) throws -> String {
        let table = "quads_" + (try db.query("SELECT nextval('quad_tables')")[0][0] ?? "0")
        try db.execute("CREATE TABLE \(table) (g bigint NOT NULL, s bigint NOT NULL, p bigint NOT NULL, o bigint NOT NULL)")
        return table
    }

    /// Builds a load table's four indexes at once and puts it under `quads`. A load table is
    /// never written again (only deleted from, or merged whole), so its B-trees are packed full.
    /// Each B-tree is sorted by this backend and one parallel worker: on two cores that builds
    /// 5 M quads' indexes in 7.6 s, against 9.2 s with PostgreSQL's default of two workers and
    /// 12.2 s with none (make bench).
    static func indexAndAttach(_ table: String, on db: Connection) throws {
        try db.execute("""
            SET LOCAL max_parallel_maintenance_workers = 1;
            ALTER TABLE \(table) ADD PRIMARY KEY (g, s, p, o) WITH (fillfactor = 100);
            CREATE INDEX \(table)_spog ON \(table) (s, p, o, g) WITH (fillfactor = 100);
            CREATE INDEX \(table)_posg ON \(table) (p, o, s, g) WITH (fillfactor = 100);
            CREATE INDEX \(table)_ospg ON \(table) (o, s, p, g) WITH (fillfactor = 100);
            ALTER TABLE \(table) INHERIT quads;
            ANALYZE \(table)
            """)
    }

    /// The load tables under `quads` (see `BulkLoad`) in load order, oldest first (a merged table
    /// keeps the number of the older of the two it replaced).
    public static func loadTables(on db: Connection) throws -> [String] {
        try db.query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'quads'::regclass ORDER BY substring(c.relname FROM 7)::bigint
            """).compactMap { $0[0] }
    }

    /// Keeps at most `maxTables` load tables (each query plans one index scan per table) by
    /// merging neighbours in load order, the smallest pair first. Tables thus stay slices of
    /// publication time, so retention can still drop old ones whole (see `MemberRetention`), and
    /// a quad is rewritten about log2(tables) times over its life. One transaction; returns how
    /// many tables were merged away.
    /// Each merge is a transaction of its own, which locks only the two tables it replaces.
    @discardableResult
    public static func compact(maxTables: Int, on db: Connection) throws -> Int {
        var merged = 0
        while try db.transaction({ () -> Bool in
            try db.execute("SELECT pg_advisory_xact_lock(\(writerLock))")
            let tables = try loadTables(on: db)
            guard tables.count > max(maxTables, 1) else { return false }
            let sizes: [Int] = try tables.map { table in
                let rows = try db.query("SELECT reltuples::bigint FROM pg_class WHERE relname = $1", [table])
                return Int(rows.first?[0] ?? "0") ?? 0
            }
            let pairs: [Int] = (0..<(tables.count - 1)).map { sizes[$0] + sizes[$0 + 1] }
            let i = pairs.indices.min { pairs[$0] < pairs[$1] }!
            let (older, newer) = (tables[i], tables[i + 1])
            try lockForRemoval([older, newer], on: db)
            try db.execute("""
                CREATE TABLE quads_merging (g bigint NOT NULL, s bigint NOT NULL, p bigint NOT NULL, o bigint NOT NULL);
                INSERT INTO quads_merging SELECT g, s, p, o FROM \(older) UNION ALL SELECT g, s, p, o FROM \(newer);
                DROP TABLE \(older); DROP TABLE \(newer);
                ALTER TABLE quads_merging RENAME TO \(older)
                """)
            try indexAndAttach(older, on: db)
            return true
        }) {
            merged += 1
        }
        return merged
    }

    /// Locks load tables about to be dropped in the order a reader of `quads` locks them (by
    /// oid, as PostgreSQL expands an inheritance tree): a reader holding some and waiting for
    /// one of them, and a writer holding that one and waiting for another, cannot wait on each
    /// other. (Merged tables keep an older name with a newer oid, so names give another order.)
    static func lockForRemoval(_ tables: [String], on db: Connection) throws {
        guard !tables.isEmpty else { return }
        let ordered = try db.query("SELECT relname FROM pg_class WHERE relname = ANY($1::text[]) AND relkind = 'r' ORDER BY oid",
                                   ["{" + tables.joined(separator: ",") + "}"]).compactMap { $0[0] }
        try db.execute("LOCK TABLE \(ordered.joined(separator: ", ")) IN ACCESS EXCLUSIVE MODE")
    }
}
