/// What consumers see of the treatment's observations (table `published_cells`), read for
/// publishing: which observations exist and their latest version, never the internal values.
public enum PublishedState {
    /// The latest version of every observation whose path (below `/id/observation/`) starts with
    /// `prefix` and whose local day is in [`fromDay`, `toDay`) (`YYYY-MM-DD`), withdrawn ones
    /// left out, ordered by path.
    public static func versions(prefix: String, fromDay: String, toDay: String, on db: Connection) throws -> [(path: String, version: Int)] {
        var pattern = ""
        for ch in prefix {
            if ch == "\\" || ch == "%" || ch == "_" { pattern.append("\\") }
            pattern.append(ch)
        }
        return try db.query("""
            SELECT key, version FROM published_cells
            WHERE key LIKE $1 AND day >= $2::date AND day < $3::date AND state <> '-' ORDER BY key
            """, [pattern + "%", fromDay, toDay]).compactMap { row in
            guard let path = row[0], let version = row[1].flatMap(Int.init) else { return nil }
            return (path, version)
        }
    }

    /// The first and last local day (`YYYY-MM-DD`) with treated detections, if any.
    public static func days(on db: Connection) throws -> (first: String, last: String)? {
        let row = try db.query("SELECT min(day)::text, max(day)::text FROM treatment_days")[0]
        guard let first = row[0], let last = row[1] else { return nil }
        return (first, last)
    }
}
