import KruispuntRDF

/// Links from every superseded observation version to the next (`<…/v1> dct:isReplacedBy
/// <…/v2>`) in the graph `BASE/graph/versions`, so that a query keeps the latest versions with
/// `OPTIONAL { ?o dct:isReplacedBy ?newer } FILTER (!BOUND(?newer))`. The treatment writes them
/// as it publishes; retention removes an expired version's link.
public enum VersionLinks {
    /// Writes the links of every member that has a successor in its stream (for stores whose
    /// members were published before the links existed). Must run in a transaction.
    public static func backfill(on db: Connection) throws {
        guard let base = try StoreSettings.value("base_url", on: db) else { return }
        let graph = Term.iri(IRIScheme(base: base).versionsGraph)
        let rows = try db.query("""
            SELECT p.lex, m.lex FROM (
                SELECT member, lag(member) OVER (PARTITION BY stream, version_of ORDER BY seq) AS previous FROM stream_members) x
            JOIN terms m ON m.id = x.member JOIN terms p ON p.id = x.previous
            """)
        var batch: [Quad] = []
        for row in rows {
            guard let previous = row[0], let member = row[1] else { continue }
            batch.append(Quad(.iri(previous), .iri(DCT.isReplacedBy), .iri(member), graph))
            if batch.count == 10_000 { try QuadStore.insert(batch, on: db); batch = [] }
        }
        if !batch.isEmpty { try QuadStore.insert(batch, on: db) }
    }
}
