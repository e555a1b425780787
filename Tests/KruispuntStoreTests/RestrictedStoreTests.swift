import Foundation
import KruispuntRDF
import KruispuntStore
import Testing

/// Restricted members are kept as N-Triples and dictionary-encoded in their own named graphs; a
/// reader's quads are the open ones plus the restricted ones of its metrics and features only;
/// members stored before the encoding existed are encoded from their N-Triples, the same quads.
extension EmbeddedStoreTests {
    @Test func restrictedMembersAreEncodedAndReadOnlyWithinAScope() throws {
        try withCluster { db, _ in
            let base = "http://example.org/id/restricted/"
            func member(_ path: String, _ value: Int, version: Int = 1) -> [Triple] {
                let m = Term.iri(base + path + "/v\(version)")
                return [Triple(m, .iri(RDF.type), .iri(SOSA.ns + "Observation")),
                        Triple(m, .iri(SOSA.ns + "hasSimpleResult"), .integer(value)),
                        Triple(m, .iri(DCT.ns + "isVersionOf"), .iri(base + path))]
            }
            let members: [RestrictedStore.NewMember] = [
                .init(metric: "euro-class", featureKind: "camera", featureID: "A", member: base + "euro-class/camera/A/day/x/v1",
                      versionOf: base + "euro-class/camera/A/day/x", triples: member("euro-class/camera/A/day/x", 12)),
                .init(metric: "nationality", featureKind: "zone", featureID: "Z", member: base + "nationality/zone/Z/day/x/v1",
                      versionOf: base + "nationality/zone/Z/day/x", triples: member("nationality/zone/Z/day/x", 40)),
                .init(metric: "euro-class", featureKind: "camera", featureID: "A", member: base + "euro-class/camera/A/day/x/v2",
                      versionOf: base + "euro-class/camera/A/day/x", triples: member("euro-class/camera/A/day/x", 13, version: 2)),
            ]
            try db.transaction {
                try RestrictedStore.save(states: [], members: members, generatedAtMillis: 1_790_000_000_000,
                                         versionsGraph: "http://example.org/graph/versions", on: db)
            }
            func encoded() throws -> [[String?]] {
                try db.query("SELECT member, metric, feature, g, s, p, o FROM restricted_quads ORDER BY 1, 4, 5, 6, 7")
            }
            let first = try encoded()
            #expect(first.count == 10 && Set(first.map { $0[2] }) == ["camera:A", "zone:Z"])
            // The second version is linked from the first, in the versions graph, within camera A's scope.
            let link = try db.query("""
                SELECT q.feature FROM restricted_quads q JOIN terms g ON g.id = q.g JOIN terms s ON s.id = q.s JOIN terms o ON o.id = q.o
                WHERE g.lex = 'http://example.org/graph/versions' AND s.lex LIKE '%/A/day/x/v1' AND o.lex LIKE '%/A/day/x/v2'
                """)
            #expect(link.map { $0[0] } == ["camera:A"])
            #expect(try QuadStore.count(on: db) == 0, "nothing restricted enters the open store")

            func read(_ path: String, metrics: [String], features: [String]) throws -> [Quad] {
                try QuadStore.describe(.iri(base + path + "/v1"), in: RestrictedStore.readerQuads,
                                       condition: { RestrictedStore.scope($0, metrics: "$1::text[]", features: "$2::text[]") },
                                       parameters: [PostgresArray.text(metrics), PostgresArray.text(features)], on: db)
            }
            let mine = try read("euro-class/camera/A/day/x", metrics: ["euro-class"], features: RestrictedStore.features(cameras: ["A"], zones: []))
            #expect(mine.filter { $0.graph == .iri(base + "euro-class/camera/A/day/x/v1") }.count == 3)
            #expect(mine.filter { $0.graph == .iri("http://example.org/graph/versions") }.map(\.predicate) == [.iri(DCT.isReplacedBy)])
            #expect(try read("euro-class/camera/A/day/x", metrics: ["euro-class"], features: ["camera:B", "zone:Z"]).isEmpty)
            #expect(try read("nationality/zone/Z/day/x", metrics: ["euro-class"], features: ["zone:Z"]).isEmpty)
            #expect(try read("nationality/zone/Z/day/x", metrics: ["nationality"], features: ["zone:Z"]).count == 3)

            // As if stored before migration 31: encoded again from the N-Triples, to the same quads.
            try db.execute("DELETE FROM restricted_quads; UPDATE restricted_members SET encoded = false")
            let encodedAgain = try db.transaction { try RestrictedStore.encodePending(versionsGraph: "http://example.org/graph/versions", on: db) }
            #expect(encodedAgain == 3)
            #expect(try encoded() == first)
            let none = try db.transaction { try RestrictedStore.encodePending(versionsGraph: "http://example.org/graph/versions", on: db) }
            #expect(none == 0)
            // Retention removes a member's quads with it.
            try db.execute("DELETE FROM restricted_members WHERE metric = 'nationality'")
            #expect(try encoded().count == 7)
        }
    }
}
