import KruispuntRDF
import Testing

@Suite struct XSDDateTimeTests {
    @Test func parsesOffsetsAndMilliseconds() throws {
        let a = try #require(XSDDateTime("2026-10-24T05:01:25.610+02:00"))
        let b = try #require(XSDDateTime("2026-10-24T03:01:25.610Z"))
        #expect(a.epochMillis == b.epochMillis)
        #expect(a.offsetMinutes == 120)
        #expect(b.offsetMinutes == 0)
        #expect(a.epochMillis == 1_792_810_885_610)
    }

    @Test(arguments: ["2026-13-45T99:00:00Z", "2026-02-30T00:00:00Z", "2026-10-24 05:01", "2026-10-24T05:01:25+2:00",
                      "2026-10-24T05:01:25.+02:00", "2026-10-24T24:00:01Z", "2026-10-24T05:01:25Zjunk", ""])
    func rejectsInvalidForms(_ text: String) {
        #expect(XSDDateTime(text) == nil)
    }

    @Test func zoneLessFormHasNoOffset() throws {
        let t = try #require(XSDDateTime("2026-10-24T05:01:25"))
        #expect(!t.hasOffset)
    }

    @Test func formatsWithOffset() {
        let ms: Int64 = 1_792_810_885_610
        #expect(XSDDateTime.format(epochMillis: ms, offsetMinutes: 120) == "2026-10-24T05:01:25.610+02:00")
        #expect(XSDDateTime.format(epochMillis: ms, offsetMinutes: 0, zulu: true) == "2026-10-24T03:01:25.610Z")
        #expect(XSDDateTime.format(epochMillis: 0, offsetMinutes: 60) == "1970-01-01T01:00:00+01:00")
        #expect(XSDDateTime.format(epochMillis: -1, offsetMinutes: 0, zulu: true) == "1969-12-31T23:59:59.999Z")
    }

    @Test func civilDaysRoundTrip() {
        for day in stride(from: -800_000, through: 800_000, by: 997) {
            let (y, m, d) = XSDDateTime.civilFromDays(day)
            #expect(XSDDateTime.daysFromCivil(y, m, d) == day)
        }
    }
}
