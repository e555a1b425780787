/// PostgreSQL array literals, bound as one text parameter (`$1::text[]`, `$1::bigint[]`, ...):
/// every element quoted, backslashes and double quotes escaped; nil is NULL.
public enum PostgresArray {
    public static func text(_ values: [String?]) -> String {
        var s = "{"
        for (i, v) in values.enumerated() {
            if i > 0 { s += "," }
            guard let v else { s += "NULL"; continue }
            s += "\""
            for ch in v.unicodeScalars {
                if ch == "\"" || ch == "\\" { s += "\\" }
                s.unicodeScalars.append(ch)
            }
            s += "\""
        }
        return s + "}"
    }

    public static func text(_ values: [String]) -> String { text(values.map(Optional.some)) }
}
