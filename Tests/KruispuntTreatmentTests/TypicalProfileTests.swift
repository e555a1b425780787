import Foundation
import KruispuntANPR
import KruispuntRDF
import Testing
@testable import KruispuntTreatment

/// Time-of-day profiles: mean per (weekday, hour) over four complete weeks.
@Suite struct TypicalProfileTests {
    /// Monday 2026-10-05; the window runs to Sunday 2026-11-01 and holds the 25-hour 2026-10-25.
    static let start = XSDDateTime.daysFromCivil(2026, 10, 5)

    static func hour(_ camera: String, week: Int, weekday: Int, _ h: Int, _ v: Int, published: Bool = true) -> TypicalProfile.Hour {
        .init(feature: .camera(camera), day: start + 7 * week + weekday - 1, hourOfDay: h, value: v, published: published)
    }

    static func profile(_ cells: [Cell], weekday: Int, hour: Int) -> Cell? {
        cells.first { $0.key.qualifier == weekday * 100 + hour }
    }

    @Test func theMeanOfFourWeeksCountsMissingHoursAsZero() {
        #expect(TypicalProfile.monday(Self.start + 3) == Self.start)
        let hours = [Self.hour("A", week: 0, weekday: 1, 8, 10), Self.hour("A", week: 1, weekday: 1, 8, 12),
                     Self.hour("A", week: 3, weekday: 1, 8, 14), Self.hour("A", week: 4, weekday: 1, 8, 99)]   // week 4: outside
        let cells = TypicalProfile.cells(windowStart: Self.start, hours: hours, minimumCount: 10)
        #expect(cells.count == 7 * 24)
        let monday8 = Self.profile(cells, weekday: 1, hour: 8)!
        #expect(monday8.value == 9 && monday8.isPublished)
        #expect(ObservationMapping.path(monday8.key) == "typical-hourly-count/camera/A/four-weeks/2026-10-05/mon-08")
        #expect(monday8.key.end - monday8.key.start == (28 * 24 + 1) * 3_600_000)   // the DST change adds an hour
        #expect(Self.profile(cells, weekday: 2, hour: 8)!.value == 0)
    }

    @Test func bothTwoOClockHoursOfTheDSTDayAddToHourTwo() {
        let hours = [Self.hour("A", week: 2, weekday: 7, 2, 20), Self.hour("A", week: 2, weekday: 7, 2, 24)]
        let cells = TypicalProfile.cells(windowStart: Self.start, hours: hours, minimumCount: 10)
        #expect(Self.profile(cells, weekday: 7, hour: 2)!.value == 11)
    }

    @Test func smallSumsAndSingleHiddenHoursAreSuppressed() {
        let hours = [Self.hour("A", week: 0, weekday: 3, 5, 5, published: false),                                   // sum 5 < k
                     Self.hour("A", week: 0, weekday: 4, 5, 3, published: false), Self.hour("A", week: 1, weekday: 4, 5, 40),   // one hidden
                     Self.hour("A", week: 0, weekday: 5, 5, 4, published: false), Self.hour("A", week: 1, weekday: 5, 5, 7, published: false),
                     Self.hour("A", week: 2, weekday: 5, 5, 30)]                                                     // two hidden, 11 >= k
        let cells = TypicalProfile.cells(windowStart: Self.start, hours: hours, minimumCount: 10)
        #expect(Self.profile(cells, weekday: 3, hour: 5)!.publication == .primarySuppressed)
        #expect(Self.profile(cells, weekday: 4, hour: 5)!.publication == .complementarySuppressed)
        #expect(Self.profile(cells, weekday: 5, hour: 5)!.publication == .published)
        #expect(TypicalProfile.cells(windowStart: Self.start, hours: hours, minimumCount: 1).allSatisfy { $0.isPublished })
    }
}
