import KruispuntRDF

/// Europe/Brussels civil time: CET (+01:00) and CEST (+02:00) from the last Sunday of March
/// 01:00 UTC to the last Sunday of October 01:00 UTC (EU Directive 2000/84/EC, in force since
/// 1996). Offsets are whole hours, so local hours start exactly on UTC hours; local days last
/// 23, 24 or 25 hours.
public enum BrusselsTime {
    /// The UTC offset in minutes at an instant.
    @inlinable
    public static func offsetMinutes(atEpochMillis ms: Int64) -> Int {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let days = Int(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        let year = civilYear(days)
        let start = Int64(lastSunday(year: year, month: 3)) * 86_400 + 3600
        let end = Int64(lastSunday(year: year, month: 10)) * 86_400 + 3600
        return seconds >= start && seconds < end ? 120 : 60
    }

    /// The start (UTC epoch ms) of the local hour holding an instant.
    @inlinable
    public static func hourStart(_ ms: Int64) -> Int64 {
        let h: Int64 = 3_600_000
        return ms >= 0 ? ms / h * h : ((ms - h + 1) / h) * h
    }

    /// The local calendar day (days since 1970-01-01 in local time) holding an instant.
    @inlinable
    public static func localDay(_ ms: Int64) -> Int {
        let local = ms + Int64(offsetMinutes(atEpochMillis: ms)) * 60_000
        let d: Int64 = 86_400_000
        return Int(local >= 0 ? local / d : (local - d + 1) / d)
    }

    /// The instant (UTC epoch ms) at which a local day begins (local midnight).
    public static func dayStart(_ day: Int) -> Int64 {
        let midnightAsUTC = Int64(day) * 86_400_000
        // DST changes happen at 01:00 UTC, never near midnight, so the offset an hour before is right.
        return midnightAsUTC - Int64(offsetMinutes(atEpochMillis: midnightAsUTC - 3_600_000)) * 60_000
    }

    /// Writes an instant in local time with its offset, e.g. `2026-10-25T02:00:00+01:00`.
    public static func format(_ ms: Int64, alwaysMillis: Bool = false) -> String {
        XSDDateTime.format(epochMillis: ms, offsetMinutes: offsetMinutes(atEpochMillis: ms), alwaysMillis: alwaysMillis)
    }

    @usableFromInline
    static func civilYear(_ days: Int) -> Int { XSDDateTime.civilFromDays(days).year }

    /// Day number of the last Sunday of a month.
    @usableFromInline
    static func lastSunday(year: Int, month: Int) -> Int {
        let lastDay = XSDDateTime.daysFromCivil(year, month, 31)
        // 1970-01-01 was a Thursday: weekday 0 = Sunday => (days + 4) mod 7.
        let weekday = ((lastDay + 4) % 7 + 7) % 7
        return lastDay - weekday
    }
}
