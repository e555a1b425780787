import KruispuntRDF

/// A join index of SOSA observations for SPARQL-lite: one row per observation (a subject with
/// any of the slots' predicates) holding the terms its slots lead to, with the typed values of
/// the result and the instants, so that a query over observations reads one row instead of
/// joining a dozen quads and looking up their terms.
///
/// The index is exact: it describes the store's merged default graph (every graph, a triple in
/// several graphs counted once). A subject whose slots each lead to at most one term is
/// *regular* and has its row (absent slots NULL); any other (a slot with two terms) is listed in
/// `observation_irregular`, and queries read it from the quads. Every write of quads refreshes
/// the subjects it may have touched, in the writer's transaction (see `BulkLoad`,
/// `QuadStore.replaceGraphs`, `MemberRetention`).
public enum ObservationIndex {
    /// A position in an observation: the object of `predicate` from the subject (`parent` nil) or
    /// from another slot's term.
    public struct Slot: Sendable, Equatable {
        /// The index column holding the term id (with `_k`, `_l`, ... value columns if `valued`).
        public let column: String
        public let predicate: String
        public let parent: String?
        public let valued: Bool
    }

    /// The slots, parents before their children.
    public static let slots: [Slot] = [
        Slot(column: "sensor", predicate: SOSA.madeBySensor, parent: nil, valued: false),
        Slot(column: "property", predicate: SOSA.observedProperty, parent: nil, valued: false),
        Slot(column: "feature", predicate: SOSA.hasFeatureOfInterest, parent: nil, valued: false),
        Slot(column: "period", predicate: COT.hasAggregationPeriod, parent: nil, valued: false),
        Slot(column: "func", predicate: COT.usingFunction, parent: nil, valued: false),
        Slot(column: "result", predicate: SOSA.hasSimpleResult, parent: nil, valued: true),
        Slot(column: "phenomenon", predicate: SOSA.phenomenonTime, parent: nil, valued: false),
        Slot(column: "beginning", predicate: OWLTime.hasBeginning, parent: "phenomenon", valued: false),
        Slot(column: "start", predicate: OWLTime.inXSDDateTimeStamp, parent: "beginning", valued: true),
        Slot(column: "ending", predicate: OWLTime.hasEnd, parent: "phenomenon", valued: false),
        Slot(column: "finish", predicate: OWLTime.inXSDDateTimeStamp, parent: "ending", valued: true),
    ]

    /// The value columns of a valued slot, in the order of SPARQL-lite's value fields (kind,
    /// lexical form, datatype, language, number, instant) and the dictionary's columns.
    public static let valueSuffixes = ["k", "l", "d", "g", "n", "t"]
    static let termColumns = ["kind", "lex", "datatype", "lang", "num", "ts"]
    static let valueTypes = ["smallint", "text", "text", "text", "numeric", "timestamptz"]

    /// The tables, for the migration that adds them.
    static var schema: String {
        var columns = ["s bigint PRIMARY KEY"]
        for slot in slots {
            columns.append("\(slot.column) bigint")
            if slot.valued {
                columns += zip(valueSuffixes, valueTypes).map { "\(slot.column)_\($0) \($1)" }
            }
        }
        return """
            CREATE TABLE observation_rows (\(columns.joined(separator: ", ")));
            CREATE INDEX observation_rows_start ON observation_rows (start_t);
            CREATE INDEX observation_rows_sensor ON observation_rows (sensor, start_t);
            CREATE INDEX observation_rows_feature ON observation_rows (feature, start_t);
            CREATE TABLE observation_irregular (s bigint PRIMARY KEY);
            """
    }

    /// The path of predicates from the subject to a slot.
    static func path(_ slot: Slot) -> [String] {
        guard let parent = slot.parent, let p = slots.first(where: { $0.column == parent }) else { return [slot.predicate] }
        return path(p) + [slot.predicate]
    }

    /// Quads a write adds or removes: an SQL relation with columns s, p, o, and the id above
    /// which terms are new (made by the write, so that every quad that mentions them is in the
    /// relation, and their triples are read there instead of probing the store).
    public struct Change: Sendable {
        public let relation: String
        public let newTermsAbove: Int64

        public init(_ relation: String, newTermsAbove: Int64 = .max) {
            self.relation = relation
            self.newTermsAbove = newTermsAbove
        }
    }

    /// Refreshes the subjects that added quads may concern. Must run in a transaction.
    public static func refresh(after change: Change, on db: Connection) throws {
        let ids = try predicateIDs(on: db)
        try collect(change, ids, on: db)
        try recompute(newTermsAbove: change.newTermsAbove, ids, on: db)
    }

    /// Refreshes the subjects noted by `collect` before quads were removed.
    public static func refreshPending(on db: Connection) throws {
        try recompute(newTermsAbove: nil, try predicateIDs(on: db), on: db)
    }

    /// Notes the subjects that quads may concern (before they are removed, or after they are
    /// added): those with a root-level slot's predicate, and those a changed triple further down
    /// hangs from. A new term's parent triple is itself in the change, so only old terms are
    /// followed up, through the store. Each step is a table of its own, analysed, so that the
    /// planner knows how many rows it joins (a few, or a whole load).
    public static func collect(_ change: Change, on db: Connection) throws {
        try collect(change, try predicateIDs(on: db), on: db)
    }

    private static func collect(_ change: Change, _ ids: [String: Int64], on db: Connection) throws {
        try createRoots(on: db)
        let rootLevel = slots.filter { $0.parent == nil }.compactMap { ids[$0.predicate] }
        guard !rootLevel.isEmpty else { return }
        try temporary("observation_delta", "SELECT s, p, o FROM \(change.relation) d WHERE d.p IN (\(list(Array(Set(ids.values)))))", on: db)
        var parts = ["SELECT s FROM observation_delta WHERE p IN (\(list(rootLevel)))"]
        for (n, predicates) in Set(slots.filter { $0.parent != nil }.map(path)).sorted(by: { $0.description < $1.description }).enumerated() {
            let known = predicates.compactMap { ids[$0] }
            guard known.count == predicates.count else { continue }
            try temporary("observation_up\(n)_\(known.count - 1)",
                          "SELECT DISTINCT s AS node FROM observation_delta WHERE p = \(known.last!) AND s <= \(change.newTermsAbove)", on: db)
            for level in stride(from: known.count - 2, through: 0, by: -1) {
                try temporary("observation_up\(n)_\(level)", """
                    SELECT DISTINCT x.s AS node FROM observation_up\(n)_\(level + 1) b JOIN quads x ON x.o = b.node AND x.p = \(known[level])
                    """, on: db)
            }
            parts.append("SELECT node FROM observation_up\(n)_0")
        }
        try db.execute("INSERT INTO observation_roots SELECT DISTINCT s FROM (\(parts.joined(separator: " UNION ALL "))) r (s) ON CONFLICT DO NOTHING")
    }

    /// Recomputes the rows of the subjects noted; with `newTermsAbove`, `collect`'s change holds
    /// every triple of the terms above it. The slots' terms are found a level at a time (a new
    /// term's in the change, an old one's in the store), then counted per subject and slot.
    private static func recompute(newTermsAbove: Int64?, _ ids: [String: Int64], on db: Connection) throws {
        try createRoots(on: db)
        if try db.query("SELECT EXISTS (SELECT 1 FROM observation_roots)")[0][0] != "t" { return }
        try db.execute("ANALYZE observation_roots")
        let w = newTermsAbove ?? .max
        func number(_ slot: Slot) -> Int { slots.firstIndex(of: slot)! }
        func predicate(_ slot: Slot) -> Int64 { ids[slot.predicate] ?? -1 }
        /// The distinct (subject, slot, term) below `nodes` (root, slot, node).
        func step(_ nodes: String, _ slot: String, _ predicates: [Int64]) -> String {
            var from = ["quads q ON q.s = a.node AND q.p IN (\(list(predicates))) WHERE a.node <= \(w)"]
            if newTermsAbove != nil { from.append("observation_delta q ON q.s = a.node AND q.p IN (\(list(predicates))) WHERE a.node > \(w)") }
            let branches = from.map { "SELECT a.root, (\(slot))::smallint AS slot, q.o FROM \(nodes) a JOIN \($0)" }
            return "SELECT DISTINCT root, slot, o FROM (\(branches.joined(separator: " UNION ALL "))) x WHERE slot IS NOT NULL"
        }
        // Level 0: the subjects' own slots; level n: the slots below level n - 1's terms.
        var level = slots.filter { $0.parent == nil }, depth = 0
        try temporary("observation_f0", step("(SELECT s AS root, s AS node FROM observation_roots)",
                                             "CASE q.p " + level.map { "WHEN \(predicate($0)) THEN \(number($0))" }.joined(separator: " ") + " END",
                                             level.map(predicate)), on: db)
        var facts = ["SELECT * FROM observation_f0"]
        while true {
            let next = slots.filter { child in level.contains { $0.column == child.parent } }
            guard !next.isEmpty else { break }
            depth += 1
            let parents = level.filter { p in next.contains { $0.parent == p.column } }
            let pick = "CASE " + next.map { child in
                "WHEN a.slot = \(number(parents.first { $0.column == child.parent }!)) AND q.p = \(predicate(child)) THEN \(number(child))"
            }.joined(separator: " ") + " END"
            let nodes = "(SELECT root, slot, o AS node FROM observation_f\(depth - 1) WHERE slot IN (\(parents.map { String(number($0)) }.joined(separator: ", "))))"
            try temporary("observation_f\(depth)", step(nodes, pick, next.map(predicate)), on: db)
            facts.append("SELECT * FROM observation_f\(depth)")
            level = next
        }
        var select = ["root AS s"], regular: [String] = []
        for slot in slots {
            let n = number(slot)
            select.append("min(o) FILTER (WHERE slot = \(n)) AS \(slot.column)")
            regular.append("count(*) FILTER (WHERE slot = \(n)) <= 1")
        }
        select.append("(\(regular.joined(separator: " AND "))) AS regular")
        try temporary("observation_classes", "SELECT \(select.joined(separator: ", ")) FROM (\(facts.joined(separator: " UNION ALL "))) f GROUP BY root", on: db)
        var columns = ["c.s"], terms: [String] = []
        for slot in slots {
            columns.append("c.\(slot.column)")
            guard slot.valued else { continue }
            let t = "t_\(slot.column)"
            columns += termColumns.map { "\(t).\($0)" }
            terms.append("LEFT JOIN terms \(t) ON \(t).id = c.\(slot.column)")
        }
        // Subjects that are new terms have no row yet.
        try db.execute("""
            DELETE FROM observation_rows o USING observation_roots r WHERE o.s = r.s AND r.s <= \(w);
            DELETE FROM observation_irregular o USING observation_roots r WHERE o.s = r.s AND r.s <= \(w);
            INSERT INTO observation_irregular SELECT s FROM observation_classes WHERE NOT regular
            """)
        let added = try db.update("""
            INSERT INTO observation_rows SELECT \(columns.joined(separator: ", ")) FROM observation_classes c \(terms.joined(separator: " ")) \
            WHERE c.regular ORDER BY \(physicalOrder(start: "t_start.ts", sensor: "c.sensor"))
            """)
        // A large load changes the index's statistics at once (queries right after it plan with
        // them), and its pages join the block-range index at once (a vacuum would summarise them
        // later; until then a range scan reads every new page).
        try db.execute(added >= 50_000 ? """
            TRUNCATE observation_roots; ANALYZE observation_rows; SELECT brin_summarize_new_values('observation_rows_start')
            """ : "TRUNCATE observation_roots")
    }

    /// The order rows are written in: by day of start, then sensor. A load of history then lies
    /// on the pages of its days, so that a query over a month reads a month's pages (through the
    /// block-range index on `start_t`), and a sensor's day on one or two of them (a year of one
    /// camera is a page per day, not one per hour). Live writes come a day at a time anyway.
    static func physicalOrder(start: String, sensor: String) -> String {
        "date_trunc('day', \(start) AT TIME ZONE 'UTC'), \(sensor), \(start)"
    }

    /// The subjects to refresh, gathered over the transaction's writes.
    private static func createRoots(on db: Connection) throws {
        try db.execute("CREATE TEMP TABLE IF NOT EXISTS observation_roots (s bigint PRIMARY KEY) ON COMMIT DELETE ROWS")
    }

    /// A temporary table of a query's rows, analysed (dropped at commit, or by the next one).
    private static func temporary(_ name: String, _ query: String, on db: Connection) throws {
        try db.execute("DROP TABLE IF EXISTS \(name); CREATE TEMP TABLE \(name) ON COMMIT DROP AS \(query); ANALYZE \(name)")
    }

    private static func list(_ ids: [Int64]) -> String { ids.isEmpty ? "NULL" : ids.map(String.init).joined(separator: ", ") }

    /// Rebuilds the index from every quad (the migration that adds it).
    static func rebuild(on db: Connection) throws {
        try db.execute("TRUNCATE observation_rows, observation_irregular")
        try createRoots(on: db)
        let ids = try predicateIDs(on: db)
        let rootLevel = slots.filter { $0.parent == nil }.compactMap { ids[$0.predicate] }
        guard !rootLevel.isEmpty else { return }
        try db.execute("INSERT INTO observation_roots SELECT DISTINCT s FROM quads WHERE p IN (\(list(rootLevel)))")
        // Every quad is in the relation: read the slots' triples with one pass, not a probe each.
        try temporary("observation_delta", "SELECT s, p, o FROM quads WHERE p IN (\(list(Array(Set(ids.values)))))", on: db)
        try recompute(newTermsAbove: 0, ids, on: db)
        try db.execute("ANALYZE observation_rows; ANALYZE observation_irregular")
    }

    /// The dictionary ids of the slots' predicates (those the store has).
    static func predicateIDs(on db: Connection) throws -> [String: Int64] {
        let found = try QuadStore.lookup(Set(slots.map(\.predicate)).map { Term.iri($0) }, on: db)
        var out: [String: Int64] = [:]
        for (term, id) in found { if case .iri(let v) = term { out[v] = id } }
        return out
    }
}
