import Foundation
import KruispuntRDF
import KruispuntStore

/// The DCAT-AP Vlaanderen catalogue (`/catalog`) and the VoID description (`/void`) of what
/// Kruispunt publishes: a `dcat:Dataset` per event stream (titles and descriptions in Dutch and
/// English, publisher, contact point, licence, theme, spatial coverage from the cameras, temporal
/// coverage from the treated days, publication dates from the stream), each with its event
/// stream, time series and dump distributions, and a `dcat:DataService` each for Triple Pattern
/// Fragments and SPARQL-lite. The fixed nodes (publisher, licence, codelist concepts) come from
/// `Catalog/dcat-support.ttl`. It conforms to DCAT-AP Vlaanderen 2.0 and 3.0 and EU DCAT-AP 3.0.1
/// (checked with pySHACL against the official shapes in the test suite).
public struct Catalog: Sendable {
    public static let defaultLicense = "https://data.vlaanderen.be/id/licentie/modellicentie-gratis-hergebruik/v1.0"
    static let publisher = "https://data.vlaanderen.be/id/organisatie/OVO002949"

    public let iris: IRIScheme
    public let streams: [EventStream]
    public let license: String
    public let contactEmail: String
    /// The fixed nodes, parsed from `Catalog/dcat-support.ttl`.
    public let support: [Triple]

    public init(iris: IRIScheme, streams: [EventStream], license: String, contactEmail: String, support: [Triple]) {
        (self.iris, self.streams, self.license, self.contactEmail, self.support) = (iris, streams, license, contactEmail, support)
    }

    /// What each stream holds, for its dataset description (Dutch, English).
    static let descriptions: [String: (nl: String, en: String, keywords: [(String, String)])] = [
        "vehicle-counts": ("Aantal voertuigen dat per uur en per dag een ANPR-camera passeert; kleine aantallen worden onderdrukt.",
                           "Number of vehicles passing an ANPR camera per hour and per day; small counts are suppressed.",
                           [("voertuigtelling", "vehicle count")]),
        "unique-vehicles": ("Aantal verschillende voertuigen per camera en per zone, per uur en per dag.",
                            "Number of distinct vehicles per camera and per zone, per hour and per day.", [("unieke voertuigen", "unique vehicles")]),
        "od-flows": ("Aantal voertuigen dat van een camera of zone naar een andere rijdt (herkomst-bestemmingsmatrix).",
                     "Number of vehicles travelling from one camera or zone to another (origin-destination matrix).",
                     [("herkomst-bestemming", "origin-destination")]),
        "travel-times": ("Reistijden en hun verdeling tussen cameraparen.", "Travel times and their distribution between camera pairs.",
                         [("reistijd", "travel time")]),
        "zone-traffic": ("Binnenrijdende en doorgaande voertuigen en de verblijfsduur per zone.",
                         "Entering and through vehicles and the dwell time per zone.", [("doorgaand verkeer", "through traffic")]),
        "speeds": ("Snelheidsstatistieken per camera (gemiddelde, mediaan, V85, ...).", "Vehicle speed statistics per camera (average, median, V85, ...).",
                   [("snelheid", "speed")]),
        "vehicle-types": ("Aantal voertuigen per voertuigtype en per camera.", "Number of vehicles per vehicle type and per camera.",
                          [("voertuigtype", "vehicle type")]),
        "profiles": ("Typisch aantal voertuigen per uur van de dag, per weekdag en per camera.",
                     "Typical number of vehicles per hour of the day, per weekday and per camera.", [("verkeersprofiel", "traffic profile")]),
        "data-quality": ("Datakwaliteit per camera en per uur (W3C DQV): volume tegenover de geleerde basislijn, stilte, klokafwijking, volgorde, dubbels, ontbrekende snelheden, onbekende nationaliteit en voertuigtype, verschoven coördinaten.",
                         "Data quality per camera and per hour (W3C DQV): volume against the learned baseline, silence, clock skew, order, duplicates, missing speeds, unknown nationality and vehicle type, coordinate drift.",
                         [("datakwaliteit", "data quality")]),
    ]

    public var catalogIRI: String { iris.base + "/catalog" }
    public var voidIRI: String { iris.base + "/void" }

    /// The catalogue's triples.
    public func triples(on db: Connection) throws -> [Triple] {
        let catalog = Term.iri(catalogIRI), contact = Term.iri(catalogIRI + "#contact")
        var t = support
        var newest: Int64?
        let coverage = try Self.cameraExtent(on: db)
        let days = try PublishedState.days(on: db)
        func add(_ s: Term, _ p: String, _ o: Term) { t.append(Triple(s, .iri(p), o)) }
        func text(_ s: Term, _ p: String, _ nl: String, _ en: String) { add(s, p, .lang(nl, "nl")); add(s, p, .lang(en, "en")) }
        func common(_ s: Term) {
            add(s, DCT.identifier, .string(s.iriValue))
            add(s, DCT.publisher, .iri(Self.publisher))
            add(s, DCAT.contactPoint, contact)
            add(s, DCT.license, .iri(license))
        }

        add(catalog, RDF.type, .iri(DCAT.Catalog))
        common(catalog)
        text(catalog, DCT.title, "Kruispunt: open verkeersgegevens uit ANPR-camera's", "Kruispunt: open traffic data from ANPR cameras")
        text(catalog, DCT.description,
             "De gegevens die Kruispunt publiceert: anonieme verkeerstellingen, herkomst-bestemmingsstromen, reistijden en snelheden, afgeleid uit gepseudonimiseerde ANPR-detecties voor Vlaamse lokale besturen, als Linked Data Event Streams, tijdreeksen, dumps en Triple Pattern Fragments.",
             "What Kruispunt publishes: anonymous traffic counts, origin-destination flows, travel times and speeds derived from pseudonymised ANPR detections for Flemish local governments, as Linked Data Event Streams, time series, dumps and Triple Pattern Fragments.")
        add(catalog, FOAF.homepage, .iri(iris.base + "/"))
        add(catalog, DCT.language, .iri("http://publications.europa.eu/resource/authority/language/NLD"))
        add(catalog, DCT.language, .iri("http://publications.europa.eu/resource/authority/language/ENG"))
        add(catalog, DCAT.themeTaxonomy, .iri("https://vocab.belgif.be/auth/datatheme"))
        add(catalog, RDFS.seeAlso, .iri(voidIRI))
        add(.iri(license), RDF.type, .iri(DCT.LicenseDocument))
        add(contact, RDF.type, .iri(VCARD.Kind))
        add(contact, RDF.type, .iri(VCARD.Organization))
        text(contact, VCARD.fn, "Kruispunt, Digitaal Vlaanderen", "Kruispunt, Digital Flanders")
        add(contact, VCARD.hasEmail, .iri("mailto:" + contactEmail))
        add(.iri("mailto:" + contactEmail), RDF.type, .iri(RDFS.Resource))
        let place = Term.iri(catalogIRI + "#coverage")
        if let c = coverage {
            add(catalog, DCT.spatial, place)
            add(place, RDF.type, .iri(DCT.Location))
            text(place, RDFS.label, "Gebied van de camera's", "Area of the cameras")
            let ring = [(c.west, c.south), (c.east, c.south), (c.east, c.north), (c.west, c.north), (c.west, c.south)]
            add(place, DCAT.bbox, .typed("POLYGON((" + ring.map { "\($0.0) \($0.1)" }.joined(separator: ", ") + "))", GeoSPARQL.wktLiteral))
            add(place, DCAT.centroid, .typed("POINT(\((c.west + c.east) / 2) \((c.south + c.north) / 2))", GeoSPARQL.wktLiteral))
        }

        for stream in streams {
            let d = Term.iri(stream.streamIRI)
            add(catalog, DCAT.dataset, d)
            add(d, RDF.type, .iri(DCAT.Dataset))
            common(d)
            let about = Self.descriptions[stream.name] ?? (stream.title.nl, stream.title.en, [])
            text(d, DCT.title, stream.title.nl, stream.title.en)
            text(d, DCT.description, about.nl, about.en)
            for (nl, en) in [("ANPR", "ANPR"), ("verkeer", "traffic"), ("mobiliteit", "mobility")] + about.keywords {
                text(d, DCAT.keyword, nl, en)
            }
            add(d, DCT.accessRights, .iri("http://publications.europa.eu/resource/authority/access-right/PUBLIC"))
            add(d, DCAT.vl3 + "statuut", .iri("https://metadata.vlaanderen.be/id/GDI-Vlaanderen-Trefwoorden/VLOPENDATA"))
            add(d, DCAT.vl2 + "statuut", .iri("https://metadata.vlaanderen.be/id/GDI-Vlaanderen-Trefwoorden/VLOPENDATA"))
            add(d, DCAT.theme, .iri("https://vocab.belgif.be/auth/datatheme/TRAN"))
            add(d, DCT.accrualPeriodicity, .iri("http://publications.europa.eu/resource/authority/frequency/HOURLY"))
            add(d, DCT.conformsTo, .iri(iris.shape(stream.shapeName)))
            if coverage != nil { add(d, DCT.spatial, place) }
            if let days, let first = TimePeriod(name: days.first), let last = TimePeriod(name: days.last) {
                let period = Term.iri(catalogIRI + "#period")
                add(d, DCT.temporal, period)
                add(period, RDF.type, .iri(DCT.PeriodOfTime))
                add(period, DCAT.startDate, Self.localMidnight(first.startMillis))
                add(period, DCAT.endDate, Self.localMidnight(last.endMillis))
            }
            if let published = try StreamMemberIndex.publications(stream: stream.name, on: db) {
                add(d, DCT.issued, .typed(XSDDateTime.format(epochMillis: published.first, offsetMinutes: 0, zulu: true), XSD.dateTime))
                add(d, DCT.modified, .typed(XSDDateTime.format(epochMillis: published.last, offsetMinutes: 0, zulu: true), XSD.dateTime))
                newest = max(newest ?? published.last, published.last)
            }
            t += distributions(stream)
        }
        if let newest { add(catalog, DCT.modified, .typed(XSDDateTime.format(epochMillis: newest, offsetMinutes: 0, zulu: true), XSD.dateTime)) }
        for service in Self.services {
            t += dataService(service)
            add(catalog, DCAT.service, .iri(iris.base + "/id/dataservice/" + service.slug))
        }
        return t
    }

    /// A stream's three distributions: the event stream, the time series, the dump.
    func distributions(_ stream: EventStream) -> [Triple] {
        let base = iris.base + "/id/distribution/" + stream.name + "/"
        let series = iris.base + "/timeseries"
        let dump = iris.base + "/dumps/" + stream.name + ".nq.gz"
        let iana = "https://www.iana.org/assignments/media-types/", fileType = "http://publications.europa.eu/resource/authority/file-type/"
        var t: [Triple] = []
        for (slug, nl, en, dnl, den, url, media, format, standard) in [
            ("ldes", "Linked Data Event Stream", "Linked Data Event Stream",
             "De event stream met een tijdsgefragmenteerde view en een view met de laatste versies; Turtle, N-Triples, N-Quads, TriG of JSON-LD via content negotiation.",
             "The event stream with a time-fragmented view and a latest-state view; Turtle, N-Triples, N-Quads, TriG or JSON-LD by content negotiation.",
             stream.streamIRI, "text/turtle", "RDF_TURTLE", "https://w3id.org/ldes/specification"),
            ("time-series", "tijdreeks per camera", "time series per camera",
             "Per camera de laatste versie van elke observatie, per uur of per dag, in JSON-LD, Turtle of CSV: \(series)/{camera}/{reeks}.",
             "Per camera the latest version of each observation, per hour or per day, in JSON-LD, Turtle or CSV: \(series)/{camera}/{series}.",
             series, "application/ld+json", "JSON_LD", "https://www.w3.org/TR/hydra-core/"),
            ("dump", "volledige dump, N-Quads, gzip", "full dump, N-Quads, gzip",
             "Alle leden van de stream als gzip-gecomprimeerde N-Quads, elk in een eigen named graph; elke nacht vernieuwd.",
             "Every member of the stream as gzip-compressed N-Quads, each in its own named graph; renewed every night.",
             dump, "application/n-quads", "RDF_N_QUADS", "https://www.w3.org/TR/n-quads/"),
        ] {
            let d = Term.iri(base + slug)
            func add(_ p: String, _ o: Term) { t.append(Triple(d, .iri(p), o)) }
            t.append(Triple(.iri(stream.streamIRI), .iri(DCAT.distribution), d))
            add(RDF.type, .iri(DCAT.Distribution))
            add(DCT.identifier, .string(base + slug))
            add(DCT.title, .lang(stream.title.nl + " (" + nl + ")", "nl"))
            add(DCT.title, .lang(stream.title.en + " (" + en + ")", "en"))
            add(DCT.description, .lang(dnl, "nl"))
            add(DCT.description, .lang(den, "en"))
            add(DCAT.accessURL, .iri(url))
            add(DCAT.downloadURL, .iri(url))
            add(DCAT.mediaType, .iri(iana + media))
            if slug == "dump" { add(DCAT.compressFormat, .iri(iana + "application/gzip")) }
            add(DCT.format, .iri(fileType + format))
            add(DCT.conformsTo, .iri(standard))
            add(DCT.license, .iri(license))
            add("http://data.europa.eu/r5r/availability", .iri("http://publications.europa.eu/resource/authority/planned-availability/STABLE"))
            t.append(Triple(.iri(url), .iri(RDF.type), .iri(RDFS.Resource)))
        }
        return t
    }

    /// A query interface over every dataset, as a `dcat:DataService`.
    struct DataService {
        let slug: String
        let path: String
        let title: (nl: String, en: String)
        let description: (nl: String, en: String)
        let conformsTo: String
    }

    static let services = [
        DataService(slug: "fragments", path: "/fragments", title: ("Kruispunt Triple Pattern Fragments", "Kruispunt Triple Pattern Fragments"),
                    description: ("Triple Pattern Fragments (quadpatronen op subject, predicaat, object en graph) over alle gepubliceerde gegevens, 100 per pagina met hypermedia.",
                                  "Triple Pattern Fragments (quad patterns on subject, predicate, object and graph) over all published data, 100 per page with hypermedia controls."),
                    conformsTo: "https://linkeddatafragments.org/specification/triple-pattern-fragments/"),
        DataService(slug: "sparql", path: "/sparql", title: ("Kruispunt SPARQL-lite", "Kruispunt SPARQL-lite"),
                    description: ("Een SPARQL 1.1-eindpunt (deelverzameling, volledig uitgevoerd in PostgreSQL) over alle gepubliceerde gegevens; de standaardgraaf is de unie van alle grafen.",
                                  "A SPARQL 1.1 endpoint (a subset, run entirely in PostgreSQL) over all published data; the default graph is the union of all graphs."),
                    conformsTo: "https://www.w3.org/TR/sparql11-protocol/"),
    ]

    /// A query interface as a `dcat:DataService` serving every dataset.
    func dataService(_ service: DataService) -> [Triple] {
        let s = Term.iri(iris.base + "/id/dataservice/" + service.slug), endpoint = Term.iri(iris.base + service.path)
        var t: [Triple] = []
        func add(_ p: String, _ o: Term) { t.append(Triple(s, .iri(p), o)) }
        add(RDF.type, .iri(DCAT.DataService))
        add(DCT.identifier, .string(iris.base + "/id/dataservice/" + service.slug))
        add(DCT.title, .lang(service.title.nl, "nl"))
        add(DCT.title, .lang(service.title.en, "en"))
        add(DCT.description, .lang(service.description.nl, "nl"))
        add(DCT.description, .lang(service.description.en, "en"))
        add(DCT.publisher, .iri(Self.publisher))
        add(DCAT.contactPoint, .iri(catalogIRI + "#contact"))
        add(DCAT.endpointURL, endpoint)
        add(DCAT.endpointDescription, endpoint)
        add(DCT.accessRights, .iri("http://publications.europa.eu/resource/authority/access-right/PUBLIC"))
        add(DCT.license, .iri(license))
        add(DCT.conformsTo, .iri(service.conformsTo))
        for (ns, p, o) in [(DCAT.vl3, "statuut", "https://metadata.vlaanderen.be/id/GDI-Vlaanderen-Trefwoorden/VLOPENDATASERVICE"),
                           (DCAT.vl2, "statuut", "https://metadata.vlaanderen.be/id/GDI-Vlaanderen-Trefwoorden/VLOPENDATASERVICE"),
                           (DCAT.vl3, "levensfase", "https://data.vlaanderen.be/id/concept/levensfase/live"),
                           (DCAT.vl2, "levensfase", "https://data.vlaanderen.be/id/concept/levensfase/live"),
                           (DCAT.vl3, "ontwikkelingstoestand", "https://data.vlaanderen.be/id/concept/ontwikkelingstoestand/PROD"),
                           (DCAT.vl2, "ontwikkelingstoestand", "https://data.vlaanderen.be/id/concept/ontwikkelingstoestand/PROD")] {
            add(ns + p, .iri(o))
        }
        add(DCAT.theme, .iri("https://vocab.belgif.be/auth/datatheme/TRAN"))
        add(DCAT.keyword, .lang(service.title.nl, "nl"))
        add(DCAT.keyword, .lang(service.title.en, "en"))
        for stream in streams { add(DCAT.servesDataset, .iri(stream.streamIRI)) }
        t.append(Triple(endpoint, .iri(RDF.type), .iri(RDFS.Resource)))
        return t
    }

    /// The VoID description: the whole store as one `void:Dataset`, with its size, URI space,
    /// vocabularies, root resources (the streams) and dumps.
    public func void(on db: Connection) throws -> [Triple] {
        let d = Term.iri(voidIRI + "#dataset")
        var t: [Triple] = []
        func add(_ p: String, _ o: Term) { t.append(Triple(d, .iri(p), o)) }
        add(RDF.type, .iri(VOID.Dataset))
        add(DCT.title, .lang("Kruispunt: gepubliceerde verkeersgegevens", "nl"))
        add(DCT.title, .lang("Kruispunt: published traffic data", "en"))
        add(DCT.publisher, .iri(Self.publisher))
        add(DCT.license, .iri(license))
        add(FOAF.homepage, .iri(catalogIRI))
        add(VOID.triples, .integer(try QuadStore.count(on: db)))
        add(VOID.uriSpace, .string(iris.base + "/id/"))
        add(VOID.ns + "sparqlEndpoint", .iri(iris.base + "/sparql"))
        for v in [COT.ns, SOSA.ns, OWLTime.ns, KP.ns, PROV.ns, GeoSPARQL.ns, LDES.ns, TREE.ns] { add(VOID.vocabulary, .iri(v)) }
        for f in ["Turtle", "N-Triples", "N-Quads", "TriG", "JSON-LD"] { add(VOID.feature, .iri("http://www.w3.org/ns/formats/" + f)) }
        for stream in streams {
            add(VOID.rootResource, .iri(stream.streamIRI))
            add(VOID.dataDump, .iri(iris.base + "/dumps/" + stream.name + ".nq.gz"))
        }
        return t
    }

    /// The area the registered cameras cover (WGS84 longitudes and latitudes), if any has a position.
    static func cameraExtent(on db: Connection) throws -> (west: Double, south: Double, east: Double, north: Double)? {
        let row = try db.query("""
            SELECT min(longitude), min(latitude), max(longitude), max(latitude) FROM cameras
            WHERE longitude IS NOT NULL AND latitude IS NOT NULL
            """)[0].map { $0.flatMap(Double.init) }
        guard let w = row[0], let s = row[1], let e = row[2], let n = row[3] else { return nil }
        return (w, s, e, n)
    }

    /// The local (Europe/Brussels) midnight at the start of the UTC day that begins at `utcMidnight`.
    static func localMidnight(_ utcMidnight: Int64) -> Term {
        let zone = TimeZone(identifier: "Europe/Brussels") ?? TimeZone(secondsFromGMT: 3600)!
        let offset = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(utcMidnight) / 1000 - 3 * 3600))
        return .typed(XSDDateTime.format(epochMillis: utcMidnight - Int64(offset) * 1000, offsetMinutes: offset / 60), XSD.dateTime)
    }
}

extension Term {
    /// The IRI of an IRI term, or its N-Triples form.
    var iriValue: String { if case .iri(let s) = self { return s } else { return ntriples } }
}
