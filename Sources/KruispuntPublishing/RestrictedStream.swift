import KruispuntRDF
import KruispuntStore

/// The event stream of one restricted (scenario-2) metric, as one reader may see it: only the
/// members about its tenant's cameras and zones, chosen in SQL (`RestrictedStore.members`).
///
/// `/streams/{name}` describes the stream; its view `/streams/{name}/pages` is the first page and
/// each page links the next (`/pages/{seq}`, the members after the member numbered `seq`) with a
/// plain `tree:Relation`. Pages differ per tenant, so they are never shared by caches.
public struct RestrictedStream: Sendable {
    /// The stream's name (`euro-classes`).
    public let name: String
    /// The restricted metric its members are of, as purpose grants name it (`euro-class`).
    public let metric: String
    public let title: (nl: String, en: String)
    public let iris: IRIScheme
    public let pageSize: Int

    public init(name: String, metric: String, title: (nl: String, en: String), iris: IRIScheme, pageSize: Int = 100) {
        self.name = name
        self.metric = metric
        self.title = title
        self.iris = iris
        self.pageSize = pageSize
    }

    /// What the reader may see: its tenant's cameras and the zones all of whose cameras are its.
    public struct Scope: Sendable {
        public let cameras: [String]
        public let zones: [String]
        public init(cameras: [String], zones: [String]) {
            self.cameras = cameras
            self.zones = zones
        }
    }

    public var streamIRI: String { iris.stream(name) }
    public var viewIRI: String { streamIRI + "/pages" }

    /// The stream description.
    public func root() -> [Triple] {
        let s = Term.iri(streamIRI), view = Term.iri(viewIRI)
        return [
            Triple(s, .iri(RDF.type), .iri(LDES.EventStream)),
            Triple(s, .iri(DCT.title), .lang(title.nl, "nl")),
            Triple(s, .iri(DCT.title), .lang(title.en, "en")),
            Triple(s, .iri(DCT.accessRights), .iri("http://publications.europa.eu/resource/authority/access-right/RESTRICTED")),
            Triple(s, .iri(LDES.timestampPath), .iri(PROV.generatedAtTime)),
            Triple(s, .iri(LDES.versionOfPath), .iri(DCT.isVersionOf)),
            Triple(s, .iri(TREE.shape), .iri(iris.shape("observation"))),
            Triple(s, .iri(TREE.view), view),
            Triple(view, .iri(RDF.type), .iri(TREE.Node)),
        ]
    }

    /// The page of members after the member numbered `after` (0: the first page); nil when a
    /// later page has no members.
    public func page(after: Int64, scope: Scope, on db: Connection) throws -> [Triple]? {
        let members = try RestrictedStore.members(metric: metric, cameras: scope.cameras, zones: scope.zones,
                                                  after: after, limit: pageSize + 1, on: db)
        if members.isEmpty && after > 0 { return nil }
        let s = Term.iri(streamIRI), page = Term.iri(after > 0 ? viewIRI + "/" + String(after) : viewIRI)
        var triples = [
            Triple(s, .iri(RDF.type), .iri(LDES.EventStream)),
            Triple(page, .iri(RDF.type), .iri(TREE.Node)),
            Triple(page, .iri(DCT.isPartOf), s),
        ]
        if members.count > pageSize {
            let relation = Term.blank("treenext")
            triples += [Triple(page, .iri(TREE.relation), relation), Triple(relation, .iri(RDF.type), .iri(TREE.Relation)),
                        Triple(relation, .iri(TREE.node), .iri(viewIRI + "/" + String(members[pageSize - 1].seq)))]
        }
        for m in members.prefix(pageSize) {
            triples.append(Triple(s, .iri(TREE.member), .iri(m.iri)))
            triples += try Self.triples(m.body)
        }
        return triples
    }

    /// A member's stored N-Triples.
    static func triples(_ body: String) throws -> [Triple] {
        try Raptor.shared.parse(body, syntax: .ntriples, baseIRI: "urn:x:").map(\.triple)
    }

    /// Every version of the observation or member `iri` the scope may see, for dereferencing.
    public static func describe(_ iri: String, metric: String, scope: Scope, on db: Connection) throws -> [Triple] {
        try RestrictedStore.versions(of: iri, metric: metric, cameras: scope.cameras, zones: scope.zones, on: db)
            .flatMap { try triples($0) }
    }
}
