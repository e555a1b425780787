/// PostgreSQL COPY text format: escaping fields for `COPY FROM STDIN` and splitting rows of
/// `COPY TO STDOUT`.
public enum CopyText {
    /// Appends a field, escaped; nil is written as `\N`.
    @inlinable
    public static func append(_ value: String?, to out: inout String) {
        guard let value else { out += "\\N"; return }
        var needsEscape = false
        for b in value.utf8 where b == 92 || b == 9 || b == 10 || b == 13 || b == 0 { needsEscape = true; break }
        if !needsEscape { out += value; return }
        for u in value.unicodeScalars {
            switch u {
            case "\u{0}": out += "\u{FFFD}"     // PostgreSQL text cannot hold NUL
            case "\\": out += "\\\\"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(u)
            }
        }
    }

    /// Splits one row into fields, decoding escapes; `\N` becomes nil.
    public static func fields(_ line: UnsafeBufferPointer<UInt8>) -> [String?] {
        var fields: [String?] = []
        var current: [UInt8] = []
        var isNull = false
        var i = 0
        let n = line.count
        while i <= n {
            if i == n || line[i] == 9 {
                fields.append(isNull ? nil : String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
                isNull = false
                i += 1
                continue
            }
            let b = line[i]
            if b == 92, i + 1 < n {
                let e = line[i + 1]
                switch e {
                case 78: isNull = true            // \N
                case 116: current.append(9)       // \t
                case 110: current.append(10)      // \n
                case 114: current.append(13)      // \r
                case 98: current.append(8)        // \b
                case 102: current.append(12)      // \f
                case 118: current.append(11)      // \v
                default: current.append(e)
                }
                i += 2
                continue
            }
            current.append(b)
            i += 1
        }
        return fields
    }
}
