import KruispuntRDF
import KruispuntStore

/// One Linked Data Event Stream: its description and its time-fragmented view.
///
/// The view (`/streams/{name}/by-time`) is a tree of UTC periods of publication
/// (`prov:generatedAtTime`, the stream's timestamp path): the root links years, a year its months,
/// a month its days, a day its hours, each child by a `tree:GreaterThanOrEqualToRelation` and a
/// `tree:LessThanRelation` on the timestamp path with the period's bounds and the members it
/// holds (`tree:remainingItems`, from the per-hour buckets). An hour holds the members, in
/// chronological order, `pageSize` per page; a page links the next one of the same hour. A period
/// is closed once a later publication exists (the treatment publishes one run at a time, with
/// increasing instants): its pages never change again (`ldes:immutable true`). Periods that
/// retention removed answer 410 Gone.
public struct EventStream: Sendable {
    public let name: String
    public let title: (nl: String, en: String)
    public let shapeName: String
    public let iris: IRIScheme
    public let pageSize: Int
    /// Days members are kept (nil: for ever), stated as the view's retention policy.
    public let retentionDays: Int?

    public init(name: String, title: (nl: String, en: String), shapeName: String, iris: IRIScheme,
                pageSize: Int = 100, retentionDays: Int? = nil) {
        self.name = name
        self.title = title
        self.shapeName = shapeName
        self.iris = iris
        self.pageSize = pageSize
        self.retentionDays = retentionDays
    }

    /// The streams Kruispunt publishes.
    public static func all(iris: IRIScheme, retentionDays: Int? = nil) -> [EventStream] {
        [
            ("vehicle-counts", "Voertuigtellingen per camera", "Vehicle counts per camera", "vehicle-count"),
            ("unique-vehicles", "Unieke voertuigen per camera en zone", "Unique vehicles per camera and zone", "observation"),
            ("od-flows", "Herkomst-bestemmingsstromen", "Origin-destination flows", "observation"),
            ("travel-times", "Reistijden tussen camera's", "Travel times between cameras", "observation"),
            ("zone-traffic", "Binnenrijdend en doorgaand verkeer, verblijfsduur per zone",
             "Entering and through traffic, dwell time per zone", "observation"),
            ("speeds", "Snelheden per camera", "Speeds per camera", "observation"),
            ("vehicle-types", "Voertuigtypes per camera", "Vehicle types per camera", "observation"),
            ("profiles", "Typisch uurprofiel per weekdag", "Typical hourly profile per weekday", "observation"),
            ("data-quality", "Datakwaliteit per camera en uur", "Data quality per camera and hour", "data-quality"),
        ].map { EventStream(name: $0.0, title: ($0.1, $0.2), shapeName: $0.3, iris: iris, retentionDays: retentionDays) }
    }

    /// What a request for one of the stream's pages yields.
    public enum Page: Sendable {
        /// The page's triples (hypermedia first, then each member after its `tree:member`
        /// triple, members in chronological order), and whether it will never change.
        case found(triples: [Triple], immutable: Bool)
        /// Retention removed it.
        case gone
        case notFound
    }

    /// Beyond every publication instant (the year 10000).
    static let endOfTime: Int64 = 253_402_300_800_000

    public var streamIRI: String { iris.stream(name) }
    public var viewIRI: String { streamIRI + "/by-time" }
    public var latestIRI: String { streamIRI + "/latest" }
    public func nodeIRI(_ period: TimePeriod) -> String { viewIRI + "/" + period.name }
    var streamTerm: Term { .iri(streamIRI) }

    /// The stream description: `ldes:EventStream` with its paths, shape, view and retention.
    public func root(on db: Connection) throws -> [Triple] {
        let s = streamTerm, view = Term.iri(viewIRI)
        var triples = [
            Triple(s, .iri(RDF.type), .iri(LDES.EventStream)),
            Triple(s, .iri(DCT.title), .lang(title.nl, "nl")),
            Triple(s, .iri(DCT.title), .lang(title.en, "en")),
            Triple(s, .iri(LDES.timestampPath), .iri(PROV.generatedAtTime)),
            Triple(s, .iri(LDES.versionOfPath), .iri(DCT.isVersionOf)),
            Triple(s, .iri(TREE.shape), .iri(iris.shape(shapeName))),
            Triple(s, .iri(TREE.view), view),
            Triple(s, .iri(RDFS.seeAlso), .iri(latestIRI)),
            Triple(s, .iri(RDF.type), .iri(DCAT.Dataset)),
            Triple(s, .iri(RDFS.seeAlso), .iri(iris.base + "/catalog")),
        ]
        triples.append(Triple(view, .iri(RDF.type), .iri(TREE.Node)))
        triples += retentionPolicy()
        triples.append(Triple(view, .iri(TREE.remainingItems), .integer(try members(on: db))))
        return triples
    }

    /// With a retention, the view's description with its `ldes:DurationAgoPolicy`.
    func retentionPolicy() -> [Triple] {
        let view = Term.iri(viewIRI)
        var triples: [Triple] = []
        if let days = retentionDays {
            let description = Term.iri(viewIRI + "#description"), policy = Term.iri(viewIRI + "#retention")
            triples += [
                Triple(view, .iri(TREE.viewDescription), description),
                Triple(description, .iri(RDF.type), .iri(TREE.ViewDescription)),
                Triple(description, .iri(LDES.retentionPolicy), policy),
                Triple(policy, .iri(RDF.type), .iri(LDES.DurationAgoPolicy)),
                Triple(policy, .iri(TREE.value), .typed("P\(days)D", XSD.duration)),
            ]
        }
        return triples
    }

    /// The members the view holds now (after retention): a sum over the hourly buckets.
    func members(on db: Connection) throws -> Int {
        let horizon = try MemberRetention.horizon(stream: name, on: db) ?? 0
        return try StreamMemberIndex.periods(stream: name, unit: "year", fromMillis: horizon, toMillis: Self.endOfTime, on: db)
            .reduce(0) { $0 + $1.members }
    }

    /// The root node of the view: a relation pair per year that still holds members.
    public func view(on db: Connection) throws -> Page {
        let horizon = try MemberRetention.horizon(stream: name, on: db) ?? 0
        var triples = header(Term.iri(viewIRI)) + [Triple(streamTerm, .iri(TREE.view), .iri(viewIRI))] + retentionPolicy()
        for year in try StreamMemberIndex.periods(stream: name, unit: "year", fromMillis: 0, toMillis: Self.endOfTime, on: db) {
            let period = TimePeriod(containing: year.startMillis, unit: .year)
            if period.endMillis <= horizon { continue }
            triples += relations(from: Term.iri(viewIRI), to: period, members: year.members)
        }
        return .found(triples: triples, immutable: false)
    }

    /// A node of the view: a period's children, or (for an hour) a page of its members
    /// starting at the member numbered `startSeq` (nil: the hour's first page).
    public func node(_ period: TimePeriod, startSeq: Int64? = nil, on db: Connection) throws -> Page {
        if let horizon = try MemberRetention.horizon(stream: name, on: db), period.endMillis <= horizon { return .gone }
        let closed = (try StreamMemberIndex.newestPublication(on: db) ?? .min) >= period.endMillis
        guard let childUnit = period.unit.child else { return try hour(period, startSeq: startSeq, closed: closed, on: db) }
        guard startSeq == nil else { return .notFound }
        let node = Term.iri(nodeIRI(period))
        let children = try StreamMemberIndex.periods(stream: name, unit: childUnit.sqlName, fromMillis: period.startMillis,
                                                     toMillis: period.endMillis, on: db)
        if children.isEmpty { return .notFound }
        var triples = header(node)
        if closed { triples.append(Triple(node, .iri(LDES.immutable), .boolean(true))) }
        for child in children {
            triples += relations(from: node, to: TimePeriod(containing: child.startMillis, unit: childUnit), members: child.members)
        }
        return .found(triples: triples, immutable: closed)
    }

    /// A page of an hour's members; the next page of the hour starts at the member after the
    /// last one, and is linked with a plain `tree:Relation` (the hour's bounds hold for it too).
    func hour(_ period: TimePeriod, startSeq: Int64?, closed: Bool, on db: Connection) throws -> Page {
        let entries = try StreamMemberIndex.members(stream: name, fromMillis: period.startMillis, toMillis: period.endMillis,
                                                    startSeq: startSeq, limit: pageSize + 1, on: db)
        if entries.isEmpty { return .notFound }
        let page = Term.iri(nodeIRI(period) + (startSeq.map { "/" + String($0) } ?? ""))
        var triples = header(page)
        if closed { triples.append(Triple(page, .iri(LDES.immutable), .boolean(true))) }
        if entries.count > pageSize {
            let next = entries[pageSize], relation = Term.blank("treenext")
            triples += link(page, relation, to: nodeIRI(period) + "/" + String(next.seq))
            // Counted only when the hour is closed: the page then never changes again.
            if closed {
                let rest = try StreamMemberIndex.count(stream: name, fromMillis: period.startMillis, toMillis: period.endMillis,
                                                       startSeq: next.seq, on: db)
                triples.append(Triple(relation, .iri(TREE.remainingItems), .integer(rest)))
            }
        }
        triples += try memberGroups(Array(entries.prefix(pageSize)), on: db)
        return .found(triples: triples, immutable: closed)
    }

    /// The latest version of each observation (a view for consumers that want no history),
    /// `pageSize` per page ordered by observation, after the observation numbered `after`.
    public func latest(after: Int64?, on db: Connection) throws -> Page {
        let entries = try StreamMemberIndex.latest(stream: name, after: after ?? 0, limit: pageSize + 1, on: db)
        if entries.isEmpty && after != nil { return .notFound }
        let page = Term.iri(latestIRI + (after.map { "/" + String($0) } ?? ""))
        let description = Term.iri(latestIRI + "#description"), policy = Term.iri(latestIRI + "#latest")
        var triples = header(page) + [
            Triple(page, .iri(TREE.viewDescription), description),
            Triple(description, .iri(RDF.type), .iri(TREE.ViewDescription)),
            Triple(description, .iri(LDES.retentionPolicy), policy),
            Triple(policy, .iri(RDF.type), .iri(LDES.LatestVersionSubset)),
            Triple(policy, .iri(LDES.amount), .integer(1)),
        ]
        if entries.count > pageSize {
            triples += link(page, .blank("treenext"), to: latestIRI + "/" + String(entries[pageSize - 1].versionOf))
        }
        let onPage = entries.prefix(pageSize).map(\.entry).sorted { ($0.generatedAtMillis, $0.seq) < ($1.generatedAtMillis, $1.seq) }
        triples += try memberGroups(onPage, on: db)
        return .found(triples: triples, immutable: false)
    }

    /// Each member's triples right after its `tree:member` triple, in the given order (the TREE
    /// profile's member groups).
    func memberGroups(_ entries: [StreamMemberIndex.Entry], on db: Connection) throws -> [Triple] {
        let byMember = try QuadStore.graphs(entries.map(\.id), on: db)
        var triples: [Triple] = []
        for e in entries {
            triples.append(Triple(streamTerm, .iri(TREE.member), .iri(e.iri)))
            triples += (byMember[e.id] ?? []).map(\.triple)
        }
        return triples
    }

    /// A plain `tree:Relation` from a page to the next one.
    func link(_ page: Term, _ relation: Term, to node: String) -> [Triple] {
        [Triple(page, .iri(TREE.relation), relation), Triple(relation, .iri(RDF.type), .iri(TREE.Relation)),
         Triple(relation, .iri(TREE.node), .iri(node))]
    }

    /// The first triples of every page: the stream, the page as a node of it.
    func header(_ page: Term) -> [Triple] {
        [
            Triple(streamTerm, .iri(RDF.type), .iri(LDES.EventStream)),
            Triple(page, .iri(RDF.type), .iri(TREE.Node)),
            Triple(page, .iri(DCT.isPartOf), streamTerm),
        ]
    }

    /// The relation pair to a child period: at or after its first instant, before its end.
    func relations(from node: Term, to child: TimePeriod, members: Int) -> [Triple] {
        var triples: [Triple] = []
        for (kind, bound, tag) in [(TREE.GreaterThanOrEqualToRelation, child.startMillis, "ge"),
                                   (TREE.LessThanRelation, child.endMillis, "lt")] {
            let relation = Term.blank("tree" + tag + child.name.replacingOccurrences(of: "-", with: ""))
            triples += [
                Triple(node, .iri(TREE.relation), relation),
                Triple(relation, .iri(RDF.type), .iri(kind)),
                Triple(relation, .iri(TREE.node), .iri(nodeIRI(child))),
                Triple(relation, .iri(TREE.path), .iri(PROV.generatedAtTime)),
                Triple(relation, .iri(TREE.value), TimePeriod.literal(bound)),
                Triple(relation, .iri(TREE.remainingItems), .integer(members)),
            ]
        }
        return triples
    }
}
