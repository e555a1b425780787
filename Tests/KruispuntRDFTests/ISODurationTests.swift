import KruispuntRDF
import Testing

/// Token lifetimes: ISO 8601 durations of weeks, days, hours, minutes and seconds.
struct ISODurationTests {
    @Test func readsWeeksDaysAndTimes() {
        #expect(ISODuration.seconds("P90D") == Int64(7_776_000))
        #expect(ISODuration.seconds("P2W") == Int64(1_209_600))
        #expect(ISODuration.seconds("PT12H") == Int64(43_200))
        #expect(ISODuration.seconds("P1DT6H30M15S") == Int64(109_815))
        #expect(ISODuration.seconds("pt1s") == 1)
        #expect(ISODuration.seconds("PT0S") == 0)
    }

    @Test func refusesCalendarUnitsAndNonsense() {
        for text in ["P1Y", "P1M", "P", "PT", "90", "P90", "PT1D", "P1H", "P1DT", "P-1D", "P1.5D", "P1D1D2", "P99999999999999999999D",
                     "P9223372036854775807W", "T1H", ""] {
            #expect(ISODuration.seconds(text) == nil, "\(text)")
        }
    }
}
