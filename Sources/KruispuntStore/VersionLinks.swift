import KruispuntRDF

/// Links from every superseded observation version to the next (`<…/v1> dct:isReplacedBy
/// <…/v2>`) in the graph `BASE/graph/versions`, so that a query keeps the latest versions with
/// `OPTIONAL { ?o dct:isReplacedBy ?newer } FILTER (!BOUND(?newer))`. Derived from the member
/// index (the member before, for the same observation in the same stream); the treatment links
/// what it appends, retention removes an expired version's link.
public enum VersionLinks {
    /// Links the newest member of each of `observations` (stream and stable IRI, its members
    /// already appended) from the version before it, if any; every member of the store when
    /// `observations` is nil. Must run in a transaction.
    public static func link(_ observations: [(stream: String, base: Term)]? = nil, graph: Term, on db: Connection) throws {
        var scope = "", newest = "", parameters: [String?] = []
        if let observations {
            let ids = try QuadStore.lookup(observations.map(\.base), on: db)
            let kept = observations.compactMap { o in ids[o.base].map { (o.stream, $0) } }
            if kept.isEmpty { return }
            scope = "JOIN unnest($1::text[], $2::bigint[]) AS u(stream, version_of) USING (stream, version_of)"
            newest = "WHERE x.next IS NULL"
            parameters = ["{" + kept.map { "\"\($0.0)\"" }.joined(separator: ",") + "}", "{" + kept.map { String($0.1) }.joined(separator: ",") + "}"]
        }
        let rows = try db.query("""
            SELECT p.lex, m.lex FROM (
                SELECT member, lag(member) OVER w AS previous, lead(member) OVER w AS next FROM stream_members \(scope)
                WINDOW w AS (PARTITION BY stream, version_of ORDER BY seq)) x
            JOIN terms m ON m.id = x.member JOIN terms p ON p.id = x.previous \(newest)
            """, parameters)
        var batch: [Quad] = []
        for row in rows {
            guard let previous = row[0], let member = row[1] else { continue }
            batch.append(Quad(.iri(previous), .iri(DCT.isReplacedBy), .iri(member), graph))
            if batch.count == 10_000 { try QuadStore.insert(batch, on: db); batch = [] }
        }
        if !batch.isEmpty { try QuadStore.insert(batch, on: db) }
    }

    /// Links every member of a store whose members were published before the links existed.
    public static func backfill(on db: Connection) throws {
        guard let base = try StoreSettings.value("base_url", on: db) else { return }
        try link(graph: .iri(IRIScheme(base: base).versionsGraph), on: db)
    }
}
