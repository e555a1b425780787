import KruispuntRDF

/// Typed values kept beside numeric and date-time literals, so that range filters are index scans.
public enum TypedValue {
    public static let numericTypes: Set<String> = [
        XSD.integer, XSD.decimal, XSD.double, XSD.nonNegativeInteger, XSD.ns + "float", XSD.ns + "long",
        XSD.ns + "int", XSD.ns + "short", XSD.ns + "positiveInteger", XSD.ns + "negativeInteger",
        XSD.ns + "nonPositiveInteger", XSD.ns + "unsignedInt", XSD.ns + "unsignedLong", XSD.ns + "byte",
        XSD.ns + "unsignedShort", XSD.ns + "unsignedByte",
    ]

    /// The value as PostgreSQL numeric text, when the literal is a valid number.
    public static func number(_ lexical: String, datatype: String?) -> String? {
        guard let datatype, numericTypes.contains(datatype) else { return nil }
        var digits = 0, dots = 0, exponent = false, previous: UInt8 = 0
        for (i, b) in lexical.utf8.enumerated() {
            switch b {
            case 48...57: digits += 1
            case 43, 45: if !(i == 0 || previous == 101 || previous == 69) { return nil }
            case 46: dots += 1; if dots > 1 || exponent { return nil }
            case 101, 69: if exponent || digits == 0 { return nil }; exponent = true
            default: return nil
            }
            previous = b
        }
        guard digits > 0, lexical.utf8.count <= 100 else { return nil }
        return lexical
    }

    /// The instant as ISO text in UTC, for valid date-times. A date-time without a time zone is
    /// read in the implicit time zone, UTC here (SPARQL compares date-times with XPath's
    /// operators, whose implicit time zone is the implementation's choice); an
    /// xsd:dateTimeStamp must have one.
    /// An xsd:date is the instant its day starts (in its time zone, or the implicit one): dates
    /// compare by value with each other (SPARQL's operators keep them apart from date-times).
    public static func instant(_ lexical: String, datatype: String?) -> String? {
        if datatype == XSD.date { return dateInstant(lexical) }
        guard datatype == XSD.dateTime || datatype == XSD.dateTimeStamp, let value = XSDDateTime(lexical),
              value.hasOffset || datatype == XSD.dateTime else { return nil }
        return XSDDateTime.format(epochMillis: value.epochMillis, offsetMinutes: 0)
    }

    /// `-?YYYY-MM-DD` with an optional time zone, read as the date-time of its midnight.
    private static func dateInstant(_ lexical: String) -> String? {
        let bytes = Array(lexical.utf8)
        var i = bytes.first == UInt8(ascii: "-") ? 1 : 0
        let yearStart = i
        while i < bytes.count, bytes[i] >= 48, bytes[i] <= 57 { i += 1 }
        guard i - yearStart >= 4, bytes.count >= i + 6 else { return nil }
        let date = i + 6, zone = String(decoding: bytes[date...], as: UTF8.self)
        guard zone.isEmpty || zone == "Z" || zone.utf8.count == 6,
              let value = XSDDateTime(String(decoding: bytes[..<date], as: UTF8.self) + "T00:00:00" + zone) else { return nil }
        return XSDDateTime.format(epochMillis: value.epochMillis, offsetMinutes: 0)
    }

    /// Gives the literals of `datatype` without an instant already in the dictionary theirs (the
    /// migrations that read date-times without a time zone in the implicit one, and dates).
    static func dating(_ datatype: String, on db: Connection) throws {
        let rows = try db.query("SELECT id, lex FROM terms WHERE kind = 2 AND datatype = $1 AND ts IS NULL", [datatype])
        var ids: [String] = [], instants: [String] = []
        for row in rows {
            guard let id = row[0], let lex = row[1], let instant = instant(lex, datatype: datatype) else { continue }
            ids.append(id)
            instants.append(instant)
        }
        guard !ids.isEmpty else { return }
        try db.query("UPDATE terms t SET ts = x.ts FROM unnest($1::bigint[], $2::timestamptz[]) x (id, ts) WHERE t.id = x.id",
                     ["{" + ids.joined(separator: ",") + "}", "{" + instants.map { "\"\($0)\"" }.joined(separator: ",") + "}"])
        // The observation index copies instants: it is built again from the dictionary.
        try ObservationIndex.rebuild(on: db)
    }
}
