import KruispuntANPR
import KruispuntRDF
import KruispuntTreatment
import Testing

@Suite struct CountObservationMappingTests {
    let mapping = CountObservationMapping(iris: IRIScheme(base: "https://kp.example"), policy: SmallCountPolicy(minimumCount: 10))

    @Test func smallCountPolicy() {
        let p = SmallCountPolicy(minimumCount: 10)
        #expect(p.allows(0))
        #expect(!p.allows(1))
        #expect(!p.allows(9))
        #expect(p.allows(10))
        #expect(SmallCountPolicy(minimumCount: 1).allows(1))
        #expect(SmallCountPolicy(minimumCount: 0).minimumCount == 1)
    }

    @Test func theTwo0200HoursHaveDistinctIRIs() {
        let first = CountCell.hour(camera: "MEC-01", at: 1_792_886_400_000 + 5)
        let second = CountCell.hour(camera: "MEC-01", at: 1_792_890_000_000 + 5)
        #expect(mapping.observationIRI(first) == "https://kp.example/id/observation/vehicle-count/MEC-01/hour/20261025T0200+0200")
        #expect(mapping.observationIRI(second) == "https://kp.example/id/observation/vehicle-count/MEC-01/hour/20261025T0200+0100")
        let day = CountCell.day(camera: "MEC-01", at: 1_792_886_400_000)
        #expect(mapping.observationIRI(day) == "https://kp.example/id/observation/vehicle-count/MEC-01/day/2026-10-25")
        #expect(day.end - day.start == 25 * 3_600_000)
    }

    @Test func publishedAndSuppressedMembers() throws {
        let cell = CountCell.hour(camera: "MEC-01", at: 1_792_810_885_610)
        let published = mapping.triples(for: CountValue(cell: cell, count: 12, version: 2), generatedAt: 1_800_000_000_000)
        let member = Term.iri(mapping.observationIRI(cell) + "/v2")
        func object(_ ts: [Triple], _ s: Term, _ p: String) -> Term? { ts.first { $0.subject == s && $0.predicate == .iri(p) }?.object }
        #expect(object(published, member, SOSA.hasSimpleResult) == .integer(12))
        #expect(object(published, member, DCT.isVersionOf) == .iri(mapping.observationIRI(cell)))
        #expect(object(published, member, COT.hasAggregationPeriod) == .iri(COT.Hourly))
        let interval = try #require(object(published, member, SOSA.phenomenonTime))
        let begin = try #require(object(published, interval, OWLTime.hasBeginning))
        #expect(object(published, begin, OWLTime.inXSDDateTimeStamp) == .typed("2026-10-24T05:00:00+02:00", XSD.dateTimeStamp))

        let suppressed = mapping.triples(for: CountValue(cell: cell, count: 3, version: 1), generatedAt: 1_800_000_000_000)
        let m1 = Term.iri(mapping.observationIRI(cell) + "/v1")
        #expect(object(suppressed, m1, SOSA.hasSimpleResult) == nil)
        #expect(object(suppressed, m1, KP.suppressed) == .boolean(true))
        #expect(!suppressed.contains { $0.object == .integer(3) })
    }
}
