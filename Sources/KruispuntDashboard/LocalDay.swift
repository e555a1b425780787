import Foundation
import KruispuntRDF

/// A local calendar day in Europe/Brussels (the cities' time), with the instant it starts at.
public struct LocalDay: Sendable, Hashable, Comparable {
    /// Days since 1970-01-01.
    public let number: Int

    public init(number: Int) { self.number = number }

    /// `YYYY-MM-DD`, or nil when that is not a real date.
    public static func parse(_ s: String) -> LocalDay? {
        let p = s.split(separator: "-", omittingEmptySubsequences: false)
        guard s.count == 10, p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2,
              let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m), (1...31).contains(d) else { return nil }
        let day = LocalDay(number: XSDDateTime.daysFromCivil(y, m, d))
        return day.iso == s ? day : nil
    }

    /// The local day of a date-time's lexical form (its own offset is the local one).
    public static func of(lexical: String) -> LocalDay? { parse(String(lexical.prefix(10))) }

    public static func < (a: LocalDay, b: LocalDay) -> Bool { a.number < b.number }

    public func adding(_ days: Int) -> LocalDay { LocalDay(number: number + days) }

    public var civil: (year: Int, month: Int, day: Int) { XSDDateTime.civilFromDays(number) }

    public var iso: String {
        let c = civil
        return String(format: "%04d-%02d-%02d", c.year, c.month, c.day)
    }

    /// ISO weekday: 1 = Monday ... 7 = Sunday.
    public var weekday: Int { ((number + 3) % 7 + 7) % 7 + 1 }

    /// `yyyymmdd` as a number (what `YEAR*10000 + MONTH*100 + DAY` gives in SPARQL).
    public var compact: Int { let c = civil; return c.year * 10000 + c.month * 100 + c.day }

    private static let brussels = TimeZone(identifier: "Europe/Brussels")!

    /// The instant the day starts in Brussels, as an `xsd:dateTime` lexical form with its offset.
    public var startLexical: String {
        let utc = Date(timeIntervalSince1970: Double(number) * 86_400)
        // The offset at local midnight: try the offset of the UTC instant, then correct once.
        var offset = Self.brussels.secondsFromGMT(for: utc)
        offset = Self.brussels.secondsFromGMT(for: utc.addingTimeInterval(-Double(offset)))
        let sign = offset < 0 ? "-" : "+"
        let a = abs(offset)
        return iso + String(format: "T00:00:00%@%02d:%02d", sign, a / 3600, (a % 3600) / 60)
    }

    static let dutchMonths = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                              "september", "oktober", "november", "december"]
    static let englishMonths = ["January", "February", "March", "April", "May", "June", "July", "August",
                                "September", "October", "November", "December"]
    static let dutchWeekdays = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
    static let englishWeekdays = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

    /// "zaterdag 24 oktober 2026" / "Saturday 24 October 2026".
    public func long(_ language: Language) -> String {
        let c = civil
        switch language {
        case .nl: return "\(Self.dutchWeekdays[weekday - 1]) \(c.day) \(Self.dutchMonths[c.month - 1]) \(c.year)"
        case .en: return "\(Self.englishWeekdays[weekday - 1]) \(c.day) \(Self.englishMonths[c.month - 1]) \(c.year)"
        }
    }

    /// "24 okt." style short label: "24/10".
    public var short: String { let c = civil; return "\(c.day)/\(c.month)" }

    public static func weekdayName(_ n: Int, _ language: Language) -> String {
        language == .nl ? dutchWeekdays[n - 1] : englishWeekdays[n - 1]
    }
}
