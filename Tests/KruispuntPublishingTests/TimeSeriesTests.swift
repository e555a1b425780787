import KruispuntPublishing
import KruispuntRDF
import Testing

/// Time series requests: which days a page covers, its IRI, and what is refused.
struct TimeSeriesTests {
    let iris = IRIScheme(base: "http://kp.example")
    let lastDay = XSDDateTime.daysFromCivil(2026, 11, 28)

    func series(_ query: [String: String], metric: String = "vehicle-count") throws -> TimeSeries {
        try TimeSeries(camera: "MEC 01", metric: metric, query: query, lastDay: lastDay, iris: iris)
    }

    @Test func pagesCoverAtMostAWeekOfHoursOrAYearOfDays() throws {
        let latest = try series([:])
        #expect(latest.pageIRI == "http://kp.example/timeseries/MEC%2001/vehicle-count?period=hour&from=2026-11-22&to=2026-11-29")
        let wide = try series(["from": "2026-01-01", "to": "2026-12-31"])
        #expect(wide.toDay - wide.fromDay == 7)
        let days = try series(["period": "day", "from": "2025-01-01", "to": "2026-12-31"])
        #expect(days.toDay - days.fromDay == 366)
        let until = try series(["to": "2026-03-30"])     // the week before, across the DST change
        #expect(until.pageIRI.hasSuffix("from=2026-03-23&to=2026-03-30"))
    }

    @Test func malformedRequestsAreRefused() {
        for query in [["period": "week"], ["from": "2026-2-1"], ["from": "2026-02-30"], ["to": "2026-11-29T07"],
                      ["from": "2026-11-20", "to": "2026-11-20"]] {
            #expect(throws: TimeSeriesError.self) { try series(query) }
        }
        #expect((try? series([:], metric: "od-flow")) == nil)
    }

    @Test func csvQuotesWhatNeedsIt() {
        let point = TimeSeries.Point(begin: "2026-11-28T08:00:00+01:00", end: "2026-11-28T08:59:59+01:00", value: "",
                                     suppressed: true, qualifier: "bus, \"lijn\"", observation: "http://o", member: "http://o/v2")
        #expect(TimeSeries.csv([point]) == "begin,end,value,suppressed,qualifier,observation,member\r\n" +
                "2026-11-28T08:00:00+01:00,2026-11-28T08:59:59+01:00,,true,\"bus, \"\"lijn\"\"\",http://o,http://o/v2\r\n")
    }
}
