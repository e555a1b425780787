/// An `xsd:dateTime` value: an instant in epoch milliseconds and the offset it was written with.
///
/// ```swift
/// let t = XSDDateTime("2026-10-24T05:01:25.610+02:00")!   // t.epochMillis, t.offsetMinutes == 120
/// XSDDateTime.format(epochMillis: t.epochMillis, offsetMinutes: 60)  // "2026-10-24T04:01:25.610+01:00"
/// ```
public struct XSDDateTime: Hashable, Sendable {
    public let epochMillis: Int64
    /// The offset in minutes, or nil when the lexical form had no time zone.
    public let offset: Int?
    public var hasOffset: Bool { offset != nil }
    public var offsetMinutes: Int { offset ?? 0 }

    public init(epochMillis: Int64, offsetMinutes: Int?) {
        self.epochMillis = epochMillis
        self.offset = offsetMinutes
    }

    /// Parses `YYYY-MM-DDThh:mm:ss[.fff...][Z|(+|-)hh:mm]`; nil when the form or a field is invalid.
    public init?(_ text: String) {
        var copy = text
        guard let parsed = copy.withUTF8({ XSDDateTime.parse($0) }) else { return nil }
        self = parsed
    }

    /// Parses from UTF-8 bytes without allocating (the ingestion hot path).
    @inlinable
    public static func parse(_ s: UnsafeBufferPointer<UInt8>) -> XSDDateTime? {
        let n = s.count
        guard n >= 19 else { return nil }
        @inline(__always) func digit(_ i: Int) -> Int? {
            let b = s[i]
            return b >= 48 && b <= 57 ? Int(b - 48) : nil
        }
        @inline(__always) func number(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) { guard let d = digit(i) else { return nil }; v = v * 10 + d }
            return v
        }
        guard let year = number(0, 4), s[4] == 45, let month = number(5, 2), s[7] == 45,
              let day = number(8, 2), s[10] == 84 || s[10] == 116 || s[10] == 32,
              let hour = number(11, 2), s[13] == 58, let minute = number(14, 2), s[16] == 58,
              let second = number(17, 2) else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year, month),
              hour <= 24, minute <= 59, second <= 59 else { return nil }
        if hour == 24, minute != 0 || second != 0 { return nil }
        var i = 19
        var millis = 0
        if i < n, s[i] == 46 {
            i += 1
            var scale = 100, count = 0
            while i < n, let d = digit(i) {
                millis += d * scale
                scale /= 10
                i += 1
                count += 1
            }
            if count == 0 { return nil }
        }
        var offset: Int?
        if i < n {
            if s[i] == 90 || s[i] == 122 { offset = 0; i += 1 }
            else if s[i] == 43 || s[i] == 45, i + 6 <= n, s[i + 3] == 58,
                    let oh = number(i + 1, 2), let om = number(i + 4, 2), oh <= 14, om <= 59 {
                offset = (s[i] == 45 ? -1 : 1) * (oh * 60 + om)
                i += 6
            } else { return nil }
        }
        guard i == n else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64((offset ?? 0) * 60)
        return XSDDateTime(epochMillis: seconds * 1000 + Int64(millis), offsetMinutes: offset)
    }

    /// Writes an instant with the given offset: `2026-10-24T05:00:00+02:00` (milliseconds only when
    /// not zero, `Z` for UTC when `zulu` is true).
    public static func format(epochMillis: Int64, offsetMinutes: Int, zulu: Bool = false, alwaysMillis: Bool = false) -> String {
        let local = epochMillis + Int64(offsetMinutes) * 60_000
        let millis = Int(((local % 1000) + 1000) % 1000)
        let totalSeconds = (local - Int64(millis)) / 1000
        var days = Int(totalSeconds / 86_400)
        var secondOfDay = Int(totalSeconds % 86_400)
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        var out = pad(y, 4) + "-" + pad(m, 2) + "-" + pad(d, 2) + "T"
        out += pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if millis != 0 || alwaysMillis { out += "." + pad(millis, 3) }
        if offsetMinutes == 0 && zulu { return out + "Z" }
        let sign = offsetMinutes < 0 ? "-" : "+"
        let a = abs(offsetMinutes)
        return out + sign + pad(a / 60, 2) + ":" + pad(a % 60, 2)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    @inlinable
    public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date of a day number since 1970-01-01.
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    @inlinable
    public static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
