/// Text escaped for XML and HTML content and attribute values (`&`, `<`, `>`, `"`, `'`).
public enum XMLText {
    public static func escape(_ s: String) -> String {
        // Most text has nothing to escape: return it whole.
        if !s.utf8.contains(where: { $0 == 38 || $0 == 60 || $0 == 62 || $0 == 34 || $0 == 39 }) { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}
