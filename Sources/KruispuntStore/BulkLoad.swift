import KruispuntRDF

/// One load of quads, in the caller's transaction: terms are interned batch by batch and the
/// quads staged; `finish` adds the ones not stored yet. A large load (at least
/// `childThreshold` quads) becomes a table of its own that inherits from `quads`, filled by
/// COPY and indexed afterwards: building its four B-trees at once is about five times cheaper
/// than inserting into them row by row. Readers see it through `quads` once the load commits,
/// and never half of it. Smaller loads go into `quads` itself.
public final class BulkLoad {
    public static let childThreshold = 100_000
    private let db: Connection
    private let intoEmptyGraphs: Bool
    private var staged = 0

    /// With `intoEmptyGraphs` the caller guarantees that no quad of these graphs is stored yet
    /// (new graphs, or graphs it just emptied), so nothing needs to be checked against the store.
    public init(intoEmptyGraphs: Bool = false, on db: Connection) throws {
        self.db = db
        self.intoEmptyGraphs = intoEmptyGraphs
        try db.execute("""
            CREATE TEMP TABLE IF NOT EXISTS quad_load (g bigint, s bigint, p bigint, o bigint) ON COMMIT DELETE ROWS;
            TRUNCATE quad_load
            """)
    }

    /// Interns the terms of `quads` and stages them.
    public func add(_ quads: [Quad]) throws {
        if quads.isEmpty { return }
        var terms: [Term] = []
        terms.reserveCapacity(quads.count * 4)
        for q in quads {
            terms.append(q.subject); terms.append(q.predicate); terms.append(q.object)
            if let g = q.graph { terms.append(g) }
        }
        let ids = try QuadStore.intern(terms, on: db)
        try db.copyIn("COPY quad_load FROM STDIN") { send in
            var chunk = ""
            chunk.reserveCapacity(1 << 16)
            for q in quads {
                chunk += String(q.graph.flatMap { ids[$0] } ?? 0); chunk += "\t"; chunk += String(ids[q.subject]!); chunk += "\t"
                chunk += String(ids[q.predicate]!); chunk += "\t"; chunk += String(ids[q.object]!); chunk += "\n"
                if chunk.utf8.count > 60_000 { try send(chunk); chunk.removeAll(keepingCapacity: true) }
            }
            if !chunk.isEmpty { try send(chunk) }
        }
        staged += quads.count
    }

    /// Adds the staged quads the store does not have yet; returns how many.
    public func finish() throws -> Int {
        if staged == 0 { return 0 }
        // Quads already stored (in `quads` or any load table under it) are left out.
        let fresh = intoEmptyGraphs ? "SELECT DISTINCT g, s, p, o FROM quad_load" : """
            SELECT DISTINCT l.g, l.s, l.p, l.o FROM quad_load l
            WHERE NOT EXISTS (SELECT 1 FROM quads q WHERE q.g = l.g AND q.s = l.s AND q.p = l.p AND q.o = l.o)
            """
        guard staged >= Self.childThreshold else {
            return try db.update("INSERT INTO quads \(fresh) ON CONFLICT DO NOTHING")
        }
        let table = try QuadStore.newLoadTable(on: db)
        let added = try db.update("INSERT INTO \(table) \(fresh)")
        if added < Self.childThreshold / 2 {
            // Mostly quads the store had already: what is new goes into quads itself.
            try db.execute("INSERT INTO quads SELECT g, s, p, o FROM \(table) ON CONFLICT DO NOTHING; DROP TABLE \(table)")
            return added
        }
        try QuadStore.indexAndAttach(table, on: db)
        return added
    }
}

extension QuadStore {
    /// Creates an empty, unindexed load table and returns its name (`quads_N`).
    static func newLoadTable(on db: Connection) throws -> String {
        let table = "quads_" + (try db.query("SELECT nextval('quad_tables')")[0][0] ?? "0")
        try db.execute("CREATE TABLE \(table) (g bigint NOT NULL, s bigint NOT NULL, p bigint NOT NULL, o bigint NOT NULL)")
        return table
    }

    /// Builds a load table's four indexes at once and puts it under `quads`.
    static func indexAndAttach(_ table: String, on db: Connection) throws {
        try db.execute("""
            ALTER TABLE \(table) ADD PRIMARY KEY (g, s, p, o);
            CREATE INDEX \(table)_spog ON \(table) (s, p, o, g);
            CREATE INDEX \(table)_posg ON \(table) (p, o, s, g);
            CREATE INDEX \(table)_ospg ON \(table) (o, s, p, g);
            ALTER TABLE \(table) INHERIT quads;
            ANALYZE \(table)
            """)
    }

    /// The load tables under `quads` (see `BulkLoad`), oldest first.
    public static func loadTables(on db: Connection) throws -> [String] {
        try db.query("""
            SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'quads'::regclass ORDER BY c.oid
            """).compactMap { $0[0] }
    }

    /// Merges the load tables into one when there are more than `maxTables` (each query plans
    /// one index scan per table). One transaction; returns how many tables were merged.
    @discardableResult
    public static func compact(maxTables: Int, on db: Connection) throws -> Int {
        try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock(7212003)")
            let tables = try loadTables(on: db)
            guard tables.count > maxTables, tables.count >= 2 else { return 0 }
            let merged = try newLoadTable(on: db)
            try db.execute("INSERT INTO \(merged) " + tables.map { "SELECT g, s, p, o FROM \($0)" }.joined(separator: " UNION ALL "))
            try db.execute(tables.map { "DROP TABLE \($0)" }.joined(separator: "; "))
            try indexAndAttach(merged, on: db)
            return tables.count
        }
    }
}
