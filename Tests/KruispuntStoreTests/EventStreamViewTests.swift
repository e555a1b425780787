import Foundation
import KruispuntPublishing
import KruispuntRDF
import KruispuntStore
import Testing

/// The time-fragmented view and the latest-state view of an event stream on a real store:
/// periods close once a later publication exists, hours are paged, retention leaves 410s.
extension EmbeddedStoreTests {
    @Test func timeViewClosesPeriodsPagesHoursAndForgetsRetainedOnes() throws {
        try withCluster { db, _ in
            let ex = "http://ex.org/"
            let t1: Int64 = 1_795_774_500_000, t2: Int64 = 1_795_777_500_000   // 2026-11-27T10:15Z, 11:05Z
            /// Version `v` of observations `range`, published at `at`.
            func publish(_ range: Range<Int>, version v: Int, at: Int64) throws {
                let member = { (m: Int) in Term.iri(ex + "obs/\(m)/v\(v)") }
                let stamp = Term.typed(XSDDateTime.format(epochMillis: at, offsetMinutes: 0, zulu: true), XSD.dateTime)
                let quads = range.flatMap { m in [
                    Quad(member(m), .iri(DCT.isVersionOf), .iri(ex + "obs/\(m)"), member(m)),
                    Quad(member(m), .iri(PROV.generatedAtTime), stamp, member(m)),
                    Quad(member(m), .iri(SOSA.hasSimpleResult), .integer(m * 10 + v), member(m)),
                ] }
                try db.transaction {
                    _ = try QuadStore.insert(quads, on: db)
                    try StreamMemberIndex.append(range.map { (stream: "counts", member: member($0), base: .iri(ex + "obs/\($0)")) },
                                                 generatedAt: at, on: db)
                }
            }
            try publish(0..<150, version: 1, at: t1)
            try publish(0..<30, version: 2, at: t2)
            let stream = EventStream(name: "counts", title: ("Tellingen", "Counts"), shapeName: "observation",
                                     iris: IRIScheme(base: "http://kp.example"), retentionDays: 30)
            func found(_ page: EventStream.Page) throws -> (triples: [Triple], immutable: Bool) {
                guard case .found(let triples, let immutable) = page else { throw StoreError("expected a page, got \(page)") }
                return (triples, immutable)
            }
            func values(_ triples: [Triple], _ predicate: String) -> [Term] { triples.filter { $0.predicate == .iri(predicate) }.map(\.object) }
            let hour10 = try #require(TimePeriod(name: "2026-11-27T10")), hour11 = try #require(TimePeriod(name: "2026-11-27T11"))
            let day = try #require(TimePeriod(name: "2026-11-27"))

            // The root: one pair into 2026 holding all 180 members, a retention policy, never immutable.
            let view = try found(try stream.view(on: db))
            #expect(!view.immutable)
            #expect(values(view.triples, TREE.node) == [.iri(stream.viewIRI + "/2026"), .iri(stream.viewIRI + "/2026")])
            #expect(values(view.triples, TREE.remainingItems) == [.integer(180), .integer(180)])
            #expect(values(view.triples, TREE.value) == [.typed("P30D", XSD.duration), TimePeriod.literal(1_767_225_600_000),
                                                         TimePeriod.literal(1_798_761_600_000)])
            #expect(try stream.root(on: db).contains(Triple(.iri(stream.viewIRI + "#retention"), .iri(TREE.value), .typed("P30D", XSD.duration))))

            // The day is open (a publication may still come), the closed hour 10 is immutable.
            let dayPage = try found(try stream.node(day, on: db))
            #expect(!dayPage.immutable)
            #expect(Set(values(dayPage.triples, TREE.node)) == [.iri(stream.nodeIRI(hour10)), .iri(stream.nodeIRI(hour11))])
            let first = try found(try stream.node(hour10, on: db))
            #expect(first.immutable && first.triples.contains(Triple(.iri(stream.nodeIRI(hour10)), .iri(LDES.immutable), .boolean(true))))
            #expect(values(first.triples, TREE.member).count == 100)
            #expect(values(first.triples, TREE.remainingItems) == [.integer(50)])
            guard case .iri(let next)? = values(first.triples, TREE.node).first, let seq = Int64(next.split(separator: "/").last!) else {
                Issue.record("hour 10 does not link its second page"); return
            }
            let second = try found(try stream.node(hour10, startSeq: seq, on: db))
            #expect(second.immutable && values(second.triples, TREE.member).count == 50 && values(second.triples, TREE.node).isEmpty)
            let members = values(first.triples, TREE.member) + values(second.triples, TREE.member)
            #expect(Set(members).count == 150)
            // Each member's triples follow its tree:member triple.
            let firstMember = try #require(first.triples.firstIndex { $0.predicate == .iri(TREE.member) })
            #expect(first.triples[firstMember + 1].subject == first.triples[firstMember].object)
            let open = try found(try stream.node(hour11, on: db))
            #expect(!open.immutable && values(open.triples, TREE.member).count == 30 && values(open.triples, TREE.remainingItems).isEmpty)

            // Nothing there, or not a page of this hour: 404.
            for period in ["2026-11-26", "2026-11-27T09", "2025", "2026-12"] {
                guard case .notFound = try stream.node(try #require(TimePeriod(name: period)), on: db) else {
                    Issue.record("\(period) should not exist"); continue
                }
            }
            guard case .notFound = try stream.node(day, startSeq: seq, on: db), case .notFound = try stream.node(hour11, startSeq: seq, on: db) else {
                Issue.record("a page start belongs to one hour only"); return
            }

            // The latest-state view: 150 observations, 30 of them at version 2.
            let latest1 = try found(try stream.latest(after: nil, on: db))
            guard case .iri(let more)? = values(latest1.triples, TREE.node).first, let after = Int64(more.split(separator: "/").last!) else {
                Issue.record("the latest view has one page only"); return
            }
            let latest2 = try found(try stream.latest(after: after, on: db))
            let newest = values(latest1.triples, TREE.member) + values(latest2.triples, TREE.member)
            #expect(newest.count == 150 && Set(newest).count == 150)
            #expect(newest.filter { if case .iri(let iri) = $0 { return iri.hasSuffix("/v2") } else { return false } }.count == 30)

            // Retention of what was published before 11:00: hour 10 is gone, hour 11 stays.
            try MemberRetention.purge(publishedBeforeMillis: t2 - 60_000, dryRun: false, on: db)
            guard case .gone = try stream.node(hour10, on: db), case .gone = try stream.node(hour10, startSeq: seq, on: db) else {
                Issue.record("retained pages must be gone"); return
            }
            #expect(values(try found(try stream.node(hour11, on: db)).triples, TREE.member).count == 30)
            #expect(try stream.root(on: db).contains(Triple(.iri(stream.viewIRI), .iri(TREE.remainingItems), .integer(30))))
        }
    }
}
