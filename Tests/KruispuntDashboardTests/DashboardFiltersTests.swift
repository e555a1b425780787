import Testing
@testable import KruispuntDashboard

@Suite struct DashboardFiltersTests {
    @Test func filtersAreReadFromTheURLAndWrittenBackTheSame() throws {
        let f = try DashboardFilters(parameters: [("camera", "1202501,1202502"), ("camera", "1202503"), ("van", "2026-10-24"),
                                                  ("tot", "2026-10-26"), ("dag", "6"), ("dag", "7"), ("uren", "7-9"),
                                                  ("duur", "5-30"), ("klasse", "heavy_truck"), ("taal", "en"), ("zone", "")])
        #expect(f.cameras == ["1202501", "1202502", "1202503"])
        #expect(f.weekdays == [6, 7] && f.hours == 7...9 && f.minutes == 5...30 && f.vehicleClass == "heavy_truck")
        #expect(f.language == .en && f.zone == nil)
        let again = try DashboardFilters(parameters: f.parameters())
        #expect(again == f)
        #expect(f.queryString(changing: ["taal": nil, "camera": nil]) == "?van=2026-10-24&tot=2026-10-26&dag=6,7&uren=7-9&duur=5-30&klasse=heavy_truck")
    }

    @Test func badFiltersAreNamedNeverIgnored() {
        for (name, value) in [("van", "2026-13-01"), ("van", "2026-02-30"), ("dag", "8"), ("uren", "9-7"), ("uren", "7-24"),
                              ("klasse", "tank"), ("camera", "<script>"), ("kader", "4,51,3,50"), ("onbekend", "x"), ("taal", "fr")] {
            #expect(throws: DashboardFilterError.self) { try DashboardFilters(parameters: [(name, value)]) }
            do { _ = try DashboardFilters(parameters: [(name, value)]) } catch let error as DashboardFilterError {
                #expect(error.parameter == name && error.description.contains("verwacht") && error.description.contains("expected"))
            } catch { Issue.record("unexpected \(error)") }
        }
        #expect(throws: DashboardFilterError.self) { try DashboardFilters(parameters: [("van", "2026-10-26"), ("tot", "2026-10-24")]) }
    }

    @Test func localDaysStartAtBrusselsMidnightAcrossDaylightSaving() throws {
        let saturday = try #require(LocalDay.parse("2026-10-24"))
        #expect(saturday.weekday == 6 && saturday.compact == 20261024)
        #expect(saturday.startLexical == "2026-10-24T00:00:00+02:00")
        #expect(saturday.adding(1).startLexical == "2026-10-25T00:00:00+02:00")
        #expect(saturday.adding(2).startLexical == "2026-10-26T00:00:00+01:00")
        #expect(LocalDay.parse("2026-03-29")!.adding(1).startLexical == "2026-03-30T00:00:00+02:00")
        #expect(saturday.long(.nl) == "zaterdag 24 oktober 2026" && saturday.long(.en) == "Saturday 24 October 2026")
        #expect(LocalDay.of(lexical: "2026-10-25T02:00:00+01:00")?.iso == "2026-10-25")
        #expect(LocalDay.parse("2026-1-24") == nil && LocalDay.parse("2026-02-29") == nil)
    }

    @Test func weekdayAndHourFiltersBecomeSPARQLConditions() throws {
        var q = ObservationQuery.observations(property: "cot:passedByVehiclesCount", period: "cot:Hourly")
        q.restrict(from: LocalDay.parse("2026-10-23")!, to: LocalDay.parse("2026-10-27")!, weekdays: [6, 7], hours: 7...9)
        q.values("camera", ["http://example.org/id/camera/1"])
        let text = q.sparql
        #expect(text.contains("?start >= \"2026-10-23T00:00:00+02:00\"^^xsd:dateTime && ?start < \"2026-10-28T00:00:00+01:00\"^^xsd:dateTime"))
        #expect(text.contains("IN (20261024, 20261025)"))
        #expect(text.contains("HOURS(?start) >= 7 && HOURS(?start) <= 9"))
        #expect(text.contains("VALUES ?camera { <http://example.org/id/camera/1> }"))
        #expect(q.construct.hasPrefix(ObservationQuery.prefixes + "CONSTRUCT {"))
    }
}
