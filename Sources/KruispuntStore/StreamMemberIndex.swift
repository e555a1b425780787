import KruispuntRDF

/// The order in which members were added to each event stream (table `stream_members`).
public enum StreamMemberIndex {
    /// A member of a stream: its place in the stream, term id (= its named graph), IRI and
    /// publication instant.
    public struct Entry: Sendable, Hashable {
        public let seq: Int64
        public let id: Int64
        public let iri: String
        public let generatedAtMillis: Int64
    }

    static let entryColumns = "m.seq, m.member, t.lex, (extract(epoch FROM m.generated_at) * 1000)::bigint"

    static func entry(_ row: [String?]) -> Entry? {
        guard let seq = row[0].flatMap(Int64.init), let id = row[1].flatMap(Int64.init), let iri = row[2],
              let ms = row[3].flatMap(Int64.init) else { return nil }
        return Entry(seq: seq, id: id, iri: iri, generatedAtMillis: ms)
    }

    /// At most `limit` members published in [`fromMillis`, `toMillis`), in chronological order
    /// (then stream order), starting at the member numbered `startSeq` when given (none when that
    /// member is not one of them).
    public static func members(stream: String, fromMillis: Int64, toMillis: Int64, startSeq: Int64?, limit: Int,
                               on db: Connection) throws -> [Entry] {
        // The page is chosen on the index first: only its members are joined with their IRIs.
        try db.query("""
            SELECT \(entryColumns) FROM (SELECT m.seq, m.member, m.generated_at FROM stream_members m
                                       WHERE \(inPeriod(startSeq: startSeq)) ORDER BY m.generated_at, m.seq LIMIT $4) m
            JOIN terms t ON t.id = m.member ORDER BY m.generated_at, m.seq
            """, [stream, String(fromMillis), String(toMillis), String(limit)]).compactMap(entry)
    }

    /// At most `limit` members after the member numbered `afterSeq`, in stream order.
    public static func members(stream: String, afterSeq: Int64, limit: Int, on db: Connection) throws -> [Entry] {
        try db.query("""
            SELECT \(entryColumns) FROM stream_members m JOIN terms t ON t.id = m.member
            WHERE m.stream = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3
            """, [stream, String(afterSeq), String(limit)]).compactMap(entry)
    }

    /// How many members `members(...)` would return without a limit.
    public static func count(stream: String, fromMillis: Int64, toMillis: Int64, startSeq: Int64?, on db: Connection) throws -> Int {
        Int(try db.query("SELECT count(*) FROM stream_members m WHERE \(inPeriod(startSeq: startSeq))",
                         [stream, String(fromMillis), String(toMillis)])[0][0] ?? "0") ?? 0
    }

    /// SQL condition on `m`: of stream $1, published in [$2, $3) (epoch milliseconds), at or
    /// after the member numbered `startSeq` of the same period.
    static func inPeriod(startSeq: Int64?) -> String {
        func period(_ t: String) -> String {
            "\(t).generated_at >= to_timestamp($2::double precision / 1000) AND \(t).generated_at < to_timestamp($3::double precision / 1000)"
        }
        return "m.stream = $1 AND " + period("m") + (startSeq.map { """
             AND (m.generated_at, m.seq) >= (SELECT s.generated_at, s.seq FROM stream_members s
                                             WHERE s.stream = $1 AND s.seq = \($0) AND \(period("s")))
            """ } ?? "")
    }

    /// The members published per period of `unit` (`year`, `month`, `day` or `hour`, in UTC)
    /// in [`fromMillis`, `toMillis`): each period's first instant and its member count, in order.
    public static func periods(stream: String, unit: String, fromMillis: Int64, toMillis: Int64,
                               on db: Connection) throws -> [(startMillis: Int64, members: Int)] {
        try db.query("""
            SELECT (extract(epoch FROM date_trunc($2, hour, 'UTC')) * 1000)::bigint AS p, sum(members)
            FROM stream_buckets WHERE stream = $1 AND hour >= to_timestamp($3::double precision / 1000)
              AND hour < to_timestamp($4::double precision / 1000)
            GROUP BY p ORDER BY p
            """, [stream, unit, String(fromMillis), String(toMillis)]).compactMap { row in
            guard let start = row[0].flatMap(Int64.init), let n = row[1].flatMap(Int.init) else { return nil }
            return (start, n)
        }
    }

    /// The first and the last publication instant of a stream (epoch milliseconds), if it has members.
    public static func publications(stream: String, on db: Connection) throws -> (first: Int64, last: Int64)? {
        let row = try db.query("""
            SELECT (extract(epoch FROM min(generated_at)) * 1000)::bigint, (extract(epoch FROM max(generated_at)) * 1000)::bigint
            FROM stream_members WHERE stream = $1
            """, [stream])[0]
        guard let first = row[0].flatMap(Int64.init), let last = row[1].flatMap(Int64.init) else { return nil }
        return (first, last)
    }

    /// The newest publication instant of any stream (epoch milliseconds). Members are published
    /// one treatment run at a time with increasing instants, so no member published before it
    /// can still appear: every period that ends by then is closed for good.
    public static func newestPublication(on db: Connection) throws -> Int64? {
        try db.query("SELECT (extract(epoch FROM max(generated_at)) * 1000)::bigint FROM stream_members")[0][0].flatMap(Int64.init)
    }

    /// The latest version of each observation of a stream whose version-of term id is above
    /// `after`, at most `limit`, ordered by that id; each with its version-of id.
    public static func latest(stream: String, after: Int64, limit: Int, on db: Connection) throws -> [(versionOf: Int64, entry: Entry)] {
        try db.query("""
            SELECT DISTINCT ON (m.version_of) \(entryColumns), m.version_of
            FROM stream_members m JOIN terms t ON t.id = m.member
            WHERE m.stream = $1 AND m.version_of > $2 ORDER BY m.version_of, m.seq DESC LIMIT $3
            """, [stream, String(after), String(limit)]).compactMap { row in
            guard let e = entry(row), let v = row[4].flatMap(Int64.init) else { return nil }
            return (v, e)
        }
    }

    /// The number of members of a stream.
    public static func count(stream: String, on db: Connection) throws -> Int {
        Int(try db.query("SELECT count(*) FROM stream_members WHERE stream = $1", [stream])[0][0] ?? "0") ?? 0
    }

    /// SQL for the member ids of the latest version of every observation of the stream named by
    /// parameter `$1` (one column, `member`), for use in larger queries.
    public static let latestMembersSQL = """
        SELECT DISTINCT ON (version_of) member FROM stream_members WHERE stream = $1
        ORDER BY version_of, seq DESC
        """

    /// The term ids of the latest version of every observation in a stream.
    public static func latestMemberIDs(stream: String, on db: Connection) throws -> [Int64] {
        try db.query(latestMembersSQL, [stream]).compactMap { $0[0].flatMap(Int64.init) }
    }

    /// Appends members to their streams, in the given order, all published at `generatedAt`
    /// (epoch milliseconds), and counts them in their hour's bucket.
    public static func append(_ members: [(stream: String, member: Term, base: Term)], generatedAt: Int64, on db: Connection) throws {
        if members.isEmpty { return }
        let ids = try QuadStore.lookup(members.flatMap { [$0.member, $0.base] }, on: db)
        var streams: [String] = [], memberIDs: [String] = [], baseIDs: [String] = []
        for m in members {
            guard let member = ids[m.member], let base = ids[m.base] else { throw StoreError("member \(m.member) was not stored") }
            streams.append("\"" + m.stream + "\"")
            memberIDs.append(String(member))
            baseIDs.append(String(base))
        }
        try db.query("""
            INSERT INTO stream_members (stream, member, version_of, generated_at)
            SELECT s, m, b, to_timestamp($4::double precision / 1000)
            FROM unnest($1::text[], $2::bigint[], $3::bigint[]) WITH ORDINALITY AS u(s, m, b, n) ORDER BY n
            """, ["{" + streams.joined(separator: ",") + "}", "{" + memberIDs.joined(separator: ",") + "}",
                  "{" + baseIDs.joined(separator: ",") + "}", String(generatedAt)])
        try db.query("""
            INSERT INTO stream_buckets (stream, hour, members)
            SELECT s, date_trunc('hour', to_timestamp($2::double precision / 1000), 'UTC'), count(*)
            FROM unnest($1::text[]) AS u(s) GROUP BY s
            ON CONFLICT (stream, hour) DO UPDATE SET members = stream_buckets.members + excluded.members
            """, ["{" + streams.joined(separator: ",") + "}", String(generatedAt)])
        // Delivered on commit, once per transaction: live feeds read the new members then.
        try db.execute("NOTIFY \(notificationChannel)")
    }

    /// The channel every commit that appends members notifies (`LISTEN kruispunt_members`).
    public static let notificationChannel = "kruispunt_members"
}
