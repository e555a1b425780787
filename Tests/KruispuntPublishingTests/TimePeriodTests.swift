import KruispuntPublishing
import Testing

/// The periods of the time-fragmented view: names, bounds, and what is refused.
struct TimePeriodTests {
    @Test func namesRoundTripWithTheirBounds() throws {
        let cases: [(String, TimePeriod.Unit, Int64, Int64)] = [
            ("2026", .year, 1_767_225_600_000, 1_798_761_600_000),
            ("2024-02", .month, 1_706_745_600_000, 1_709_251_200_000),          // a leap February
            ("2026-12", .month, 1_796_083_200_000, 1_798_761_600_000),          // into the next year
            ("2026-03-29", .day, 1_774_742_400_000, 1_774_828_800_000),         // 24 h in UTC, DST or not
            ("2026-11-29T07", .hour, 1_795_935_600_000, 1_795_939_200_000),
        ]
        for (name, unit, start, end) in cases {
            let period = try #require(TimePeriod(name: name))
            #expect(period.unit == unit && period.name == name)
            #expect(period.startMillis == start && period.endMillis == end, "\(name)")
            #expect(TimePeriod(containing: start, unit: unit) == period)
            #expect(TimePeriod(containing: end - 1, unit: unit) == period)
            #expect(TimePeriod(containing: end, unit: unit) != period)
        }
        #expect(TimePeriod(containing: 1_764_401_000_000, unit: .day).name == "2025-11-29")
    }

    @Test func malformedOrImpossiblePeriodsAreRefused() {
        for name in ["", "26", "2026-", "2026-13", "2026-00", "2025-02-29", "2026-11-31", "2026-11-29T24",
                     "2026-11-29 07", "2026/11", "1969", "2026-11-29T07:00", "２０２６", "+2026"] {
            #expect(TimePeriod(name: name) == nil, "\(name)")
        }
    }
}
