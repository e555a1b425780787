import KruispuntRDF

/// Formatting shortcut used by `BrusselsTime`.
enum XSDDateTimeFormat {
    static func format(_ ms: Int64, _ offset: Int, _ alwaysMillis: Bool) -> String {
        XSDDateTime.format(epochMillis: ms, offsetMinutes: offset, alwaysMillis: alwaysMillis)
    }
}
