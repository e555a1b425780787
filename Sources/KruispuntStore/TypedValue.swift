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

    /// The instant as ISO text in UTC, for date-times that carry a time zone.
    public static func instant(_ lexical: String, datatype: String?) -> String? {
        guard datatype == XSD.dateTime || datatype == XSD.dateTimeStamp,
              let value = XSDDateTime(lexical), value.hasOffset else { return nil }
        return XSDDateTime.format(epochMillis: value.epochMillis, offsetMinutes: 0)
    }
}
