/// The order in which members were added to each event stream (table `stream_members`).
public enum StreamMemberIndex {
    /// A member of a stream: its term id (= its named graph), IRI and publication instant.
    public struct Entry: Sendable, Hashable {
        public let id: Int64
        public let iri: String
        public let generatedAtMillis: Int64
    }

    /// Members in publication order, from `offset`, at most `limit`.
    public static func members(stream: String, offset: Int, limit: Int, on db: Connection) throws -> [Entry] {
        try db.query("""
            SELECT m.member, t.lex, (extract(epoch FROM m.generated_at) * 1000)::bigint
            FROM stream_members m JOIN terms t ON t.id = m.member
            WHERE m.stream = $1 ORDER BY m.seq OFFSET $2 LIMIT $3
            """, [stream, String(offset), String(limit)]).compactMap { row in
            guard let id = row[0].flatMap(Int64.init), let iri = row[1], let ms = row[2].flatMap(Int64.init) else { return nil }
            return Entry(id: id, iri: iri, generatedAtMillis: ms)
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
}
