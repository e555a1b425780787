/// ISO 8601 durations of weeks, days, hours, minutes and seconds (`P90D`, `P2W`, `PT12H`,
/// `P1DT6H`); years and months are refused, their length depends on the calendar.
public enum ISODuration {
    /// The seconds of `text`, or nil when it is not such a duration (or overflows).
    public static func seconds(_ text: String) -> Int64? {
        var rest = Substring(text.uppercased())
        guard rest.first == "P", rest.count > 1 else { return nil }
        rest = rest.dropFirst()
        var total: Int64 = 0, number = "", inTime = false, timeParts = 0, lastRank = -1
        for c in rest {
            if c.isASCII && c.isNumber { number.append(c); continue }
            if c == "T" { guard !inTime, number.isEmpty else { return nil }; inTime = true; continue }
            guard let n = Int64(number) else { return nil }
            number = ""
            // Each unit once, largest first.
            let (unit, rank): (Int64, Int)
            switch (inTime, c) {
            case (false, "W"): (unit, rank) = (604_800, 0)
            case (false, "D"): (unit, rank) = (86_400, 1)
            case (true, "H"): (unit, rank) = (3_600, 2)
            case (true, "M"): (unit, rank) = (60, 3)
            case (true, "S"): (unit, rank) = (1, 4)
            default: return nil
            }
            guard rank > lastRank else { return nil }
            lastRank = rank
            if inTime { timeParts += 1 }
            let (product, overflow) = n.multipliedReportingOverflow(by: unit)
            guard !overflow else { return nil }
            let (sum, over) = total.addingReportingOverflow(product)
            guard !over else { return nil }
            total = sum
        }
        return number.isEmpty && lastRank >= 0 && (!inTime || timeParts > 0) ? total : nil
    }
}
