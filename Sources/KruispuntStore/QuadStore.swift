import KruispuntRDF

/// The PostgreSQL quad store: dictionary-encoded terms and quads of term ids.
/// Every method works on a connection the caller owns, so that callers compose them in one
/// transaction (for example: treatment output and its checkpoint commit together).
///
/// ```swift
/// try QuadStore.replaceGraphs([member: triples], on: db)
/// let quads = try QuadStore.quads(inGraphs: [member], on: db)
/// ```
public enum QuadStore {
    /// Term ids for the given terms, adding the terms that are new. Must run in a transaction.
    public static func intern(_ terms: some Sequence<Term>, on db: Connection) throws -> [Term: Int64] {
        let batch = TermBatch(terms)
        let ids = try intern(batch, on: db)
        var out: [Term: Int64] = [:]
        out.reserveCapacity(batch.terms.count)
        for (n, term) in batch.terms.enumerated() { out[term] = ids[n] }
        return out
    }

    /// Ids of a batch's terms, by number, adding the terms that are new. Must run in a transaction.
    static func intern(_ batch: TermBatch, on db: Connection) throws -> [Int64] {
        if batch.terms.isEmpty { return [] }
        try db.execute("""
            CREATE TEMP TABLE IF NOT EXISTS term_load (key uuid, kind smallint, lex text, datatype text,
                lang text, num numeric, ts timestamptz, n integer) ON COMMIT DELETE ROWS;
            TRUNCATE term_load
            """)
        try db.copyIn("COPY term_load FROM STDIN") { send in
            for chunk in batch.chunks { try send(chunk) }
        }
        // New terms: inserted, their ids returned at once (joined with the batch only, never
        // with the whole dictionary).
        var ids = [Int64](repeating: -1, count: batch.terms.count)
        func read(_ line: UnsafeBufferPointer<UInt8>) {
            var n = 0, id: Int64 = 0, second = false
            for b in line {
                if b == 9 { second = true } else if second { id = id * 10 + Int64(b - 48) } else { n = n * 10 + Int(b - 48) }
            }
            if n < ids.count { ids[n] = id }
        }
        try db.copyOut("""
            COPY (WITH added AS (
                    INSERT INTO terms (key, kind, lex, datatype, lang, num, ts)
                    SELECT key, kind, lex, datatype, lang, num, ts FROM term_load
                    ON CONFLICT (key) DO NOTHING RETURNING id, key)
                  SELECT l.n, a.id FROM added a JOIN term_load l USING (key)) TO STDOUT
            """, read)
        // Terms the store had: looked up one by one in the key index (a hash join would read
        // the whole dictionary for every batch).
        let known = ids.indices.filter { ids[$0] < 0 }
        if !known.isEmpty {
            try db.execute("SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off")
            try db.copyOut("""
                COPY (SELECT l.n, t.id FROM term_load l JOIN terms t ON t.key = l.key
                      WHERE l.n = ANY('{\(known.map(String.init).joined(separator: ","))}'::int[])) TO STDOUT
                """, read)
            try db.execute("RESET enable_hashjoin; RESET enable_mergejoin")
        }
        if let n = ids.firstIndex(where: { $0 < 0 }) { throw StoreError("term not stored: \(batch.terms[n].ntriples)") }
        return ids
    }

    /// Ids of terms already in the store (terms that are not there are left out).
    public static func lookup(_ terms: [Term], on db: Connection) throws -> [Term: Int64] {
        if terms.isEmpty { return [:] }
        let keys = terms.map { TermKey($0).uuid }
        let rows = try db.query("SELECT key::text, id FROM terms WHERE key = ANY($1::uuid[])",
                                ["{" + keys.joined(separator: ",") + "}"])
        var byKey: [String: Int64] = [:]
        for row in rows { if let k = row[0], let id = row[1].flatMap(Int64.init) { byKey[k] = id } }
        var out: [Term: Int64] = [:]
        for (t, k) in zip(terms, keys) { if let id = byKey[k] { out[t] = id } }
        return out
    }

    /// Adds quads (duplicates are ignored); returns how many were new. Must run in a transaction.
    @discardableResult
    public static func insert(_ quads: [Quad], on db: Connection) throws -> Int {
        let load = try BulkLoad(on: db)
        try load.add(quads)
        return try load.finish()
    }

    /// Replaces the content of named graphs. Must run in a transaction.
    public static func replaceGraphs(_ graphs: [Term: [Triple]], on db: Connection) throws {
        let existing = try lookup(Array(graphs.keys), on: db)
        if !existing.isEmpty {
            let ids = "{" + existing.values.map(String.init).joined(separator: ",") + "}"
            try ObservationIndex.collect(.init("(SELECT s, p, o FROM quads WHERE g = ANY('\(ids)'::bigint[]))"), on: db)
            try db.query("DELETE FROM quads WHERE g = ANY($1::bigint[])", [ids])
        }
        var quads: [Quad] = []
        for (g, triples) in graphs { for t in triples { quads.append(Quad(t, graph: g)) } }
        let load = try BulkLoad(intoEmptyGraphs: true, on: db)
        try load.add(quads)
        _ = try load.finish()
        try ObservationIndex.refreshPending(on: db)
    }

    /// Every quad of the given graphs, in a stable order (graph, subject, predicate, object ids):
    /// one index range per graph, terms from the pool's `TermCache`.
    public static func quads(inGraphIDs ids: [Int64], on db: Connection) throws -> [Quad] {
        try quads(idRows: graphRows(ids, on: db), on: db)
    }

    /// The quads of the given named graphs, by graph id (each graph's quads in
    /// `quads(inGraphIDs:)` order).
    public static func graphs(_ ids: [Int64], on db: Connection) throws -> [Int64: [Quad]] {
        let rows = try graphRows(ids, on: db)
        let quads = try quads(idRows: rows, on: db)
        var byGraph: [Int64: [Quad]] = [:]
        var start = 0
        // Rows come ordered by graph: one run per graph.
        while start < quads.count {
            let graph = rows[start * 4]
            var end = start + 1
            while end < quads.count && rows[end * 4] == graph { end += 1 }
            byGraph[graph] = Array(quads[start..<end])
            start = end
        }
        return byGraph
    }

    /// Rows of ids (graph, subject, predicate, object) of the given graphs, ordered.
    private static func graphRows(_ ids: [Int64], on db: Connection) throws -> [Int64] {
        if ids.isEmpty { return [] }
        return try db.int64Rows("SELECT g, s, p, o FROM quads WHERE g = ANY($1::bigint[]) ORDER BY g, s, p, o",
                                ["{" + ids.map(String.init).joined(separator: ",") + "}"], prepared: true)
    }

    /// Quads from rows of ids, four per quad (graph, subject, predicate, object); graph 0 is the
    /// default graph.
    static func quads(idRows ids: [Int64], on db: Connection) throws -> [Quad] {
        guard ids.count % 4 == 0 else { throw StoreError("corrupt quad row") }
        let terms = try db.terms.terms(aligned: ids, on: db)
        var out: [Quad] = []
        out.reserveCapacity(ids.count / 4)
        for i in stride(from: 0, to: ids.count, by: 4) {
            guard let s = terms[i + 1], let p = terms[i + 2], let o = terms[i + 3] else { throw StoreError("corrupt quad row") }
            out.append(Quad(s, p, o, terms[i]))
        }
        return out
    }

    /// What the store says about a resource: the quads with it as subject and, recursively, those
    /// of the blank nodes they point to (a concise bounded description). Empty when unknown.
    public static func describe(_ subject: Term, on db: Connection) throws -> [Quad] {
        try describe(subject, in: "quads", condition: { _ in "true" }, parameters: [], on: db)
    }

    /// The same over another set of quads: `source` is SQL with columns g, s, p, o (for example
    /// `RestrictedStore.readerQuads`), `condition` what an alias of it must satisfy, and
    /// `parameters` the values of their placeholders.
    public static func describe(_ subject: Term, in source: String, condition: (String) -> String, parameters: [String?],
                                on db: Connection) throws -> [Quad] {
        guard let id = try lookup([subject], on: db)[subject] else { return [] }
        return try db.query(decodeSQL(where: """
            \(condition("q")) AND q.s IN (WITH RECURSIVE node(id) AS (
                        SELECT \(id)::bigint
                        UNION
                        SELECT q2.o FROM \(source) q2 JOIN node ON q2.s = node.id
                        JOIN terms b ON b.id = q2.o AND b.kind = 1 WHERE \(condition("q2")))
                    SELECT id FROM node)
            """, from: source), parameters).map(decodeRow)
    }

    /// Subjects of quads with the given predicate and object (for example the versions of an
    /// observation: `?member dct:isVersionOf <observation>`).
    public static func subjects(predicate: Term, object: Term, on db: Connection) throws -> [Term] {
        let ids = try lookup([predicate, object], on: db)
        guard let p = ids[predicate], let o = ids[object] else { return [] }
        return try db.query("""
            SELECT DISTINCT t.kind, t.lex, t.datatype, t.lang FROM quads q JOIN terms t ON t.id = q.s
            WHERE q.p = $1 AND q.o = $2 ORDER BY t.lex
            """, [String(p), String(o)]).compactMap { decodeTerm($0, at: 0) }
    }

    /// Streams every quad of the store (the default graph included) to `body`.
    public static func forEachQuad(on db: Connection, _ body: (Quad) throws -> Void) throws {
        try db.copyOut("COPY (\(decodeSQL(where: "true"))) TO STDOUT") { line in
            try body(try decodeRow(CopyText.fields(line)))
        }
    }

    /// The number of quads in the store.
    public static func count(on db: Connection) throws -> Int {
        Int(try db.query("SELECT count(*) FROM quads").first?[0] ?? "0") ?? 0
    }

    // MARK: - Decoding

    static func decodeSQL(where condition: String, from source: String = "quads") -> String {
        """
        SELECT s.kind, s.lex, s.datatype, s.lang, p.kind, p.lex, p.datatype, p.lang,
               o.kind, o.lex, o.datatype, o.lang, g.kind, g.lex, g.datatype, g.lang
        FROM \(source) q JOIN terms s ON s.id = q.s JOIN terms p ON p.id = q.p JOIN terms o ON o.id = q.o
        LEFT JOIN terms g ON g.id = q.g
        WHERE \(condition) ORDER BY q.g, q.s, q.p, q.o
        """
    }

    static func decodeRow(_ row: [String?]) throws -> Quad {
        guard row.count == 16, let s = decodeTerm(row, at: 0), let p = decodeTerm(row, at: 4),
              let o = decodeTerm(row, at: 8) else { throw StoreError("corrupt quad row") }
        return Quad(s, p, o, decodeTerm(row, at: 12))
    }

    /// Decodes a term from four columns (kind, lex, datatype, lang) starting at `i`.
    public static func decodeTerm(_ row: [String?], at i: Int) -> Term? {
        guard let kind = row[i], let lex = row[i + 1] else { return nil }
        switch kind {
        case "0": return .iri(lex)
        case "1": return .blank(lex)
        default:
            if let lang = row[i + 3] { return .lang(lex, lang) }
            return .typed(lex, row[i + 2] ?? XSD.string)
        }
    }
}
