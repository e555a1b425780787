import Foundation
import KruispuntANPR
import Testing

@Suite struct BrusselsTimeTests {
    /// The EU rule agrees with the system's tz database for every hour of 2000 to 2037.
    @Test func agreesWithTheTimeZoneDatabase() throws {
        let zone = try #require(TimeZone(identifier: "Europe/Brussels"))
        let start = Int64(946_684_800_000)          // 2000-01-01
        let end = Int64(2_145_916_800_000)          // 2038-01-01
        var t = start
        while t < end {
            let expected = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t) / 1000)) / 60
            #expect(BrusselsTime.offsetMinutes(atEpochMillis: t) == expected, "at \(t)")
            // Check the minute around each hour boundary too.
            #expect(BrusselsTime.offsetMinutes(atEpochMillis: t + 3_599_999) ==
                    zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t + 3_599_999) / 1000)) / 60)
            t += 3_600_000
        }
    }

    @Test func dstDaysLast23And25Hours() {
        let march = BrusselsTime.localDay(1_774_785_600_000)              // 2026-03-29 noon UTC
        #expect(BrusselsTime.dayStart(march + 1) - BrusselsTime.dayStart(march) == 23 * 3_600_000)
        let october = BrusselsTime.localDay(1_792_929_600_000)            // 2026-10-25 12:00 UTC
        #expect(BrusselsTime.dayStart(october + 1) - BrusselsTime.dayStart(october) == 25 * 3_600_000)
        #expect(BrusselsTime.format(BrusselsTime.dayStart(october)) == "2026-10-25T00:00:00+02:00")
        #expect(BrusselsTime.format(BrusselsTime.dayStart(october + 1)) == "2026-10-26T00:00:00+01:00")
    }

    @Test func theTwo0200HoursAreDistinct() {
        let first: Int64 = 1_792_886_400_000   // 2026-10-25T00:00Z = 02:00+02:00
        let second = first + 3_600_000         // 01:00Z = 02:00+01:00
        #expect(BrusselsTime.format(first) == "2026-10-25T02:00:00+02:00")
        #expect(BrusselsTime.format(second) == "2026-10-25T02:00:00+01:00")
        #expect(BrusselsTime.hourStart(second + 1234) == second)
        #expect(BrusselsTime.localDay(first) == BrusselsTime.localDay(second))
    }
}
