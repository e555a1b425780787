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
    public static func instant(_ lexical: String, datatype: String?) -> String? {
        guard datatype == XSD.dateTime || datatype == XSD.dateTimeStamp, let value = XSDDateTime(lexical),
              value.hasOffset || datatype == XSD.dateTime else { return nil }
        return XSDDateTime.format(epochMillis: value.epochMillis, offsetMinutes: 0)
    }

    /// Gives the date-times without a time zone already in the dictionary their instant (the
    /// migration that reads them in the implicit time zone).
    static func datingLocalTimes(on db: Connection) throws {
        let rows = try db.query("SELECT id, lex FROM terms WHERE kind = 2 AND datatype = $1 AND ts IS NULL", [XSD.dateTime])
        var ids: [String] = [], instants: [String] = []
        for row in rows {
            guard let id = row[0], let lex = row[1], let instant = instant(lex, datatype: XSD.dateTime) else { continue }
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
