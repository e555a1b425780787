import KruispuntRDF
import KruispuntStore

/// One Linked Data Event Stream: its description (the root) and its pages of members.
///
/// Pages hold `pageSize` members in publication order; page n links to page n+1 with a
/// `tree:GreaterThanOrEqualToRelation` on `prov:generatedAtTime`, whose value is the timestamp of
/// the first member of page n+1 (members are appended in timestamp order), and which says how many
/// members the pages from n+1 on hold (`tree:remainingItems`). A full page never changes again:
/// it says so (`ldes:immutable true`) and may be cached for good.
public struct EventStream: Sendable {
    public let name: String
    public let title: (nl: String, en: String)
    public let shapeName: String
    public let iris: IRIScheme
    public let pageSize: Int

    public init(name: String, title: (nl: String, en: String), shapeName: String, iris: IRIScheme, pageSize: Int = 100) {
        self.name = name
        self.title = title
        self.shapeName = shapeName
        self.iris = iris
        self.pageSize = pageSize
    }

    /// The streams Kruispunt publishes.
    public static func all(iris: IRIScheme) -> [EventStream] {
        [
            EventStream(name: "vehicle-counts", title: ("Voertuigtellingen per camera", "Vehicle counts per camera"),
                        shapeName: "vehicle-count", iris: iris),
            EventStream(name: "unique-vehicles", title: ("Unieke voertuigen per camera en zone", "Unique vehicles per camera and zone"),
                        shapeName: "observation", iris: iris),
            EventStream(name: "od-flows", title: ("Herkomst-bestemmingsstromen", "Origin-destination flows"),
                        shapeName: "observation", iris: iris),
            EventStream(name: "travel-times", title: ("Reistijden tussen camera's", "Travel times between cameras"),
                        shapeName: "observation", iris: iris),
            EventStream(name: "zone-traffic", title: ("Binnenrijdend en doorgaand verkeer, verblijfsduur per zone", "Entering and through traffic, dwell time per zone"),
                        shapeName: "observation", iris: iris),
            EventStream(name: "speeds", title: ("Snelheden per camera", "Speeds per camera"),
                        shapeName: "observation", iris: iris),
            EventStream(name: "vehicle-types", title: ("Voertuigtypes per camera", "Vehicle types per camera"),
                        shapeName: "observation", iris: iris),
            EventStream(name: "profiles", title: ("Typisch uurprofiel per weekdag", "Typical hourly profile per weekday"),
                        shapeName: "observation", iris: iris),
        ]
    }

    var streamTerm: Term { .iri(iris.stream(name)) }
    var viewTerm: Term { .iri(iris.streamPage(name, page: 1)) }

    /// The stream description: `ldes:EventStream` with its paths, shape and view.
    public func root(on db: Connection) throws -> [Triple] {
        let s = streamTerm
        let count = try StreamMemberIndex.count(stream: name, on: db)
        return [
            Triple(s, .iri(RDF.type), .iri(LDES.EventStream)),
            Triple(s, .iri(DCT.title), .lang(title.nl, "nl")),
            Triple(s, .iri(DCT.title), .lang(title.en, "en")),
            Triple(s, .iri(LDES.timestampPath), .iri(PROV.generatedAtTime)),
            Triple(s, .iri(LDES.versionOfPath), .iri(DCT.isVersionOf)),
            Triple(s, .iri(TREE.shape), .iri(iris.shape(shapeName))),
            Triple(s, .iri(TREE.view), viewTerm),
            Triple(viewTerm, .iri(RDF.type), .iri(TREE.Node)),
            Triple(viewTerm, .iri(TREE.ns + "remainingItems"), .integer(count)),
        ]
    }

    /// A page of members, or nil when the page does not exist. Page 1 always exists.
    public func page(_ number: Int, on db: Connection) throws -> (triples: [Triple], isFull: Bool)? {
        guard number >= 1, number <= Int.max / (pageSize + 1) else { return nil }
        let entries = try StreamMemberIndex.members(stream: name, offset: (number - 1) * pageSize,
                                                    limit: pageSize + 1, on: db)
        if entries.isEmpty && number > 1 { return nil }
        let onPage = Array(entries.prefix(pageSize))
        let pageTerm = Term.iri(iris.streamPage(name, page: number))
        var triples: [Triple] = [
            Triple(streamTerm, .iri(RDF.type), .iri(LDES.EventStream)),
            Triple(pageTerm, .iri(RDF.type), .iri(TREE.Node)),
        ]
        if number == 1 { triples.append(Triple(streamTerm, .iri(TREE.view), pageTerm)) }
        for e in onPage { triples.append(Triple(streamTerm, .iri(TREE.member), .iri(e.iri))) }
        let isFull = entries.count > pageSize
        if isFull { triples.append(Triple(pageTerm, .iri(LDES.immutable), .boolean(true))) }
        if isFull {
            let next = entries[pageSize]
            let remaining = try StreamMemberIndex.count(stream: name, on: db) - number * pageSize
            let relation = Term.blank("relation\(number)")
            triples += [
                Triple(pageTerm, .iri(TREE.relation), relation),
                Triple(relation, .iri(RDF.type), .iri(TREE.GreaterThanOrEqualToRelation)),
                Triple(relation, .iri(TREE.node), .iri(iris.streamPage(name, page: number + 1))),
                Triple(relation, .iri(TREE.path), .iri(PROV.generatedAtTime)),
                Triple(relation, .iri(TREE.ns + "remainingItems"), .integer(remaining)),
                Triple(relation, .iri(TREE.value), .typed(
                    XSDDateTime.format(epochMillis: next.generatedAtMillis, offsetMinutes: 0, zulu: true, alwaysMillis: true),
                    XSD.dateTime)),
            ]
        }
        // Each member's quads together, members in publication order.
        var byMember: [Term: [Triple]] = [:]
        for q in try QuadStore.quads(inGraphIDs: onPage.map(\.id), on: db) { byMember[q.graph ?? q.subject, default: []].append(q.triple) }
        for e in onPage { triples += byMember[.iri(e.iri)] ?? [] }
        return (triples, isFull)
    }
}
