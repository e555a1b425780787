import KruispuntRDF

/// A node of an event stream's time-fragmented view: a UTC year, month, day or hour of
/// publication (`prov:generatedAtTime`), named in its IRI as `2026`, `2026-11`, `2026-11-29` or
/// `2026-11-29T07`.
public struct TimePeriod: Hashable, Sendable {
    /// How long the period is; each unit's children are of the next one.
    public enum Unit: Int, Sendable, CaseIterable {
        case year, month, day, hour

        /// The unit's name for PostgreSQL's `date_trunc`.
        public var sqlName: String { ["year", "month", "day", "hour"][rawValue] }
        public var child: Unit? { Unit(rawValue: rawValue + 1) }
    }

    public let unit: Unit
    public let year: Int, month: Int, day: Int, hour: Int

    /// Parses a period name; nil unless it is exactly one of the four forms and a real date.
    public init?(name: String) {
        let b = Array(name.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= b.count, range.allSatisfy({ (48...57).contains(b[$0]) }) else { return nil }
            return range.reduce(0) { $0 * 10 + Int(b[$1] - 48) }
        }
        guard let y = number(0..<4), y >= 1970, y <= 9999 else { return nil }
        switch b.count {
        case 4: self.init(unit: .year, y, 1, 1, 0)
        case 7 where b[4] == 45:
            guard let m = number(5..<7), (1...12).contains(m) else { return nil }
            self.init(unit: .month, y, m, 1, 0)
        case 10 where b[4] == 45 && b[7] == 45, 13 where b[4] == 45 && b[7] == 45 && b[10] == 84:
            guard let m = number(5..<7), (1...12).contains(m), let d = number(8..<10),
                  (1...XSDDateTime.daysInMonth(y, m)).contains(d) else { return nil }
            if b.count == 10 { self.init(unit: .day, y, m, d, 0); return }
            guard let h = number(11..<13), h < 24 else { return nil }
            self.init(unit: .hour, y, m, d, h)
        default: return nil
        }
    }

    init(unit: Unit, _ year: Int, _ month: Int, _ day: Int, _ hour: Int) {
        (self.unit, self.year, self.month, self.day, self.hour) = (unit, year, month, day, hour)
    }

    /// The period of `unit` that holds an instant.
    public init(containing millis: Int64, unit: Unit) {
        let days = Int(millis.dividedRoundingDown(by: 86_400_000))
        let (y, m, d) = XSDDateTime.civilFromDays(days)
        let h = Int((millis - Int64(days) * 86_400_000) / 3_600_000)
        switch unit {
        case .year: self.init(unit: unit, y, 1, 1, 0)
        case .month: self.init(unit: unit, y, m, 1, 0)
        case .day: self.init(unit: unit, y, m, d, 0)
        case .hour: self.init(unit: unit, y, m, d, h)
        }
    }

    /// The name used in IRIs.
    public var name: String {
        func pad(_ v: Int, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v).count)) + String(v) }
        switch unit {
        case .year: return pad(year, 4)
        case .month: return pad(year, 4) + "-" + pad(month, 2)
        case .day: return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
        case .hour: return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(hour, 2)
        }
    }

    /// The first instant of the period (epoch milliseconds).
    public var startMillis: Int64 {
        Int64(XSDDateTime.daysFromCivil(year, month, day)) * 86_400_000 + Int64(hour) * 3_600_000
    }

    /// The day number (days since 1970-01-01) of the period's first instant.
    public var dayNumber: Int { Int(startMillis.dividedRoundingDown(by: 86_400_000)) }

    /// The first instant after the period.
    public var endMillis: Int64 {
        switch unit {
        case .year: return TimePeriod(unit: .year, year + 1, 1, 1, 0).startMillis
        case .month: return month == 12 ? TimePeriod(unit: .month, year + 1, 1, 1, 0).startMillis
                                         : TimePeriod(unit: .month, year, month + 1, 1, 0).startMillis
        case .day: return startMillis + 86_400_000
        case .hour: return startMillis + 3_600_000
        }
    }

    /// `xsd:dateTime` of an instant in UTC, as the relations carry it.
    public static func literal(_ millis: Int64) -> Term {
        .typed(XSDDateTime.format(epochMillis: millis, offsetMinutes: 0, zulu: true), XSD.dateTime)
    }
}

extension Int64 {
    /// Division that rounds toward minus infinity.
    func dividedRoundingDown(by d: Int64) -> Int64 {
        let q = self / d
        return (self % d != 0 && (self < 0) != (d < 0)) ? q - 1 : q
    }
}
