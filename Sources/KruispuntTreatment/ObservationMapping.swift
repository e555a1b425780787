import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore

/// Maps cells to COT/SOSA/OWL-Time observations: each version of an observation is one LDES
/// member with its own IRI (`.../v{n}`) and named graph, `dct:isVersionOf` the stable IRI.
public struct ObservationMapping: Sendable {
    public let iris: IRIScheme
    /// The generating activity (named after the software version and rule parameters).
    public let activityIRI: String

    public init(iris: IRIScheme, activityIRI: String) {
        self.iris = iris
        self.activityIRI = activityIRI
    }

    /// The observation's path below `/id/observation/` (also its key in the treatment state).
    public static func path(_ key: CellKey) -> String {
        var p = key.metric.slug + "/" + key.feature.path + "/" + key.bucket.slug + "/" + stamp(key)
        if let q = qualifierSlug(key) { p += "/" + q }
        return p
    }

    /// The stable (version-independent) observation IRI; restricted observations live below
    /// `/id/restricted/`, apart from the open ones.
    public func observationIRI(_ key: CellKey) -> String {
        iris.base + (key.metric.isRestricted ? Self.restrictedPrefix : "/id/observation/") + Self.path(key)
    }

    /// The path prefix of every restricted observation and member IRI.
    public static let restrictedPrefix = "/id/restricted/"

    /// The member IRI of one version.
    public func memberIRI(_ key: CellKey, version: Int) -> String { observationIRI(key) + "/v" + String(version) }

    /// `20261025T0200+0100` for hours (the two 02:00 hours of a DST day differ by offset), the
    /// local date for days and for the first day of a four-week profile window.
    static func stamp(_ key: CellKey) -> String {
        key.bucket == .hour ? hourStamp(key.start) : String(BrusselsTime.format(key.start).prefix(10))
    }

    /// `20261025T0200+0100`: an hour's local start with its offset.
    static func hourStamp(_ ms: Int64) -> String {
        let local = BrusselsTime.format(ms)
        var s = ""
        for ch in local.prefix(16) where ch != "-" && ch != ":" { s.append(ch) }
        for ch in local.suffix(6) where ch != ":" { s.append(ch) }
        return s
    }

    static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    static func qualifierSlug(_ key: CellKey) -> String? {
        switch key.metric {
        case .vehicleType: VehicleClass(code: UInt8(key.qualifier)).rawValue
        case .travelTimeBin: "\(key.qualifier)min"
        case .travelTime, .speed: Statistic(rawValue: key.qualifier)?.slug
        case .dwellTime: DwellBin(rawValue: key.qualifier)?.slug
        case .typicalHourly: weekdays[key.qualifier / 100 - 1] + "-" + (key.qualifier % 100 < 10 ? "0" : "") + String(key.qualifier % 100)
        case .nationality, .vehicleCategory, .vehicleAge, .euroClass, .recurringVehicles: RestrictedQualifier.slug(key.metric, key.qualifier)
        default: nil
        }
    }

    /// The published result literal of a cell, or nil when it is not published.
    public static func result(_ cell: Cell) -> Term? {
        guard cell.isPublished else { return nil }
        switch cell.key.metric {
        case .speed, .typicalHourly: return .typed(String(format: "%.2f", cell.value), XSD.decimal)
        case .travelTime: return .typed(String(format: "%.1f", cell.value), XSD.decimal)
        case .lezCompliance: return .typed(String(format: "%.3f", cell.value), XSD.decimal)
        default: return .integer(cell.count)
        }
    }

    /// What a consumer sees of a cell: `=value`, `s` (dense, suppressed) or `-` (sparse, left
    /// out). A new version is published whenever this changes.
    public static func state(_ cell: Cell) -> String {
        if let r = result(cell) { return "=" + r.lexical }
        return cell.key.metric.isDense ? "s" : "-"
    }

    /// The triples of one version of a cell's observation.
    public func triples(_ cell: Cell, version: Int, generatedAt: Int64) -> [Triple] {
        var times = TimeTerms()
        return triples(cell, version: version, generatedAt: generatedAt, times: &times)
    }

    /// Literals of instants, formatted once per run (many observations share a bucket's bounds).
    struct TimeTerms {
        var local: [Int64: Term] = [:]
        var generated: (Int64, Term, Term)?

        mutating func stamp(_ ms: Int64) -> Term {
            if let t = local[ms] { return t }
            let t = Term.typed(BrusselsTime.format(ms), XSD.dateTimeStamp)
            local[ms] = t
            return t
        }

        /// `prov:generatedAtTime` (UTC) and `sosa:resultTime` (local) of a run.
        mutating func generatedAt(_ ms: Int64) -> (Term, Term) {
            if let g = generated, g.0 == ms { return (g.1, g.2) }
            let g = (Term.typed(XSDDateTime.format(epochMillis: ms, offsetMinutes: 0, zulu: true, alwaysMillis: true), XSD.dateTime),
                     Term.typed(BrusselsTime.format(ms, alwaysMillis: true), XSD.dateTimeStamp))
            generated = (ms, g.0, g.1)
            return g
        }
    }

    func triples(_ cell: Cell, version: Int, generatedAt: Int64, times: inout TimeTerms) -> [Triple] {
        let key = cell.key
        let member = Term.iri(memberIRI(key, version: version))
        let feature = Term.iri(key.feature.iri(iris))
        let tag = String(TermKey(member).uuid.replacingOccurrences(of: "-", with: "").prefix(20))
        let interval = Term.blank("i" + tag), begin = Term.blank("b" + tag), end = Term.blank("e" + tag)
        let (generated, resultTime) = times.generatedAt(generatedAt)
        let function: String
        switch key.metric {
        case .speed, .travelTime: function = Statistic(rawValue: key.qualifier)?.function ?? COT.Average
        case .typicalHourly, .lezCompliance: function = COT.Average
        default: function = COT.Count
        }
        var t: [Triple] = [
            Triple(member, .iri(RDF.type), .iri(SOSA.Observation)),
            Triple(member, .iri(DCT.isVersionOf), .iri(observationIRI(key))),
            Triple(member, .iri(PROV.generatedAtTime), generated),
            Triple(member, .iri(PROV.wasGeneratedBy), .iri(activityIRI)),
            Triple(member, .iri(SOSA.observedProperty), .iri(key.metric.property)),
            Triple(member, .iri(SOSA.hasFeatureOfInterest), feature),
            Triple(member, .iri(COT.hasAggregationPeriod), .iri(key.bucket == .day ? COT.Daily : key.bucket == .week ? KP.Weekly : COT.Hourly)),
            Triple(member, .iri(COT.usingFunction), .iri(function)),
            Triple(member, .iri(SOSA.phenomenonTime), interval),
            Triple(interval, .iri(RDF.type), .iri(OWLTime.Interval)),
            Triple(interval, .iri(OWLTime.hasBeginning), begin),
            Triple(interval, .iri(OWLTime.hasEnd), end),
            Triple(begin, .iri(RDF.type), .iri(OWLTime.Instant)),
            Triple(begin, .iri(OWLTime.inXSDDateTimeStamp), times.stamp(key.start)),
            Triple(end, .iri(RDF.type), .iri(OWLTime.Instant)),
            Triple(end, .iri(OWLTime.inXSDDateTimeStamp), times.stamp(key.end)),
            Triple(member, .iri(SOSA.resultTime), resultTime),
        ]
        if case .camera = key.feature { t.append(Triple(member, .iri(SOSA.madeBySensor), feature)) }
        switch key.metric {
        case .vehicleType:
            t.append(Triple(member, .iri(KP.vehicleType), .string(VehicleClass(code: UInt8(key.qualifier)).rawValue)))
        case .travelTimeBin:
            t.append(Triple(member, .iri(KP.travelTimeMinutes), .typed(String(key.qualifier), XSD.nonNegativeInteger)))
        case .dwellTime:
            if let bin = DwellBin(rawValue: key.qualifier) { t.append(Triple(member, .iri(KP.durationBin), .typed(bin.lowerBound, XSD.duration))) }
        case .typicalHourly:
            t.append(Triple(member, .iri(KP.weekday), .integer(key.qualifier / 100)))
            t.append(Triple(member, .iri(KP.hourOfDay), .integer(key.qualifier % 100)))
        case .nationality, .vehicleCategory, .vehicleAge, .euroClass, .recurringVehicles:
            t += RestrictedQualifier.triples(key.metric, key.qualifier, member: member)
        default: break
        }
        if let result = Self.result(cell) {
            t.append(Triple(member, .iri(SOSA.hasSimpleResult), result))
        } else {
            t.append(Triple(member, .iri(KP.suppressed), .boolean(true)))
        }
        return t
    }

    /// A camera's description: a sosa:Sensor with its identifier, name and WGS84 location (when known).
    public func cameraTriples(id: String, name: String? = nil, latitude: Double?, longitude: Double?) -> [Triple] {
        let camera = Term.iri(iris.camera(id))
        var triples = [
            Triple(camera, .iri(RDF.type), .iri(SOSA.Sensor)),
            Triple(camera, .iri(DCT.identifier), .string(id)),
            Triple(camera, .iri(RDFS.label), .lang(name ?? "ANPR-camera \(id)", "nl")),
        ]
        if let latitude, let longitude { triples += geometry(of: camera, wkt: "POINT(\(longitude) \(latitude))") }
        return triples
    }

    /// A feature's geometry: a blank node named after the feature, with its WKT.
    private func geometry(of feature: Term, wkt: String) -> [Triple] {
        let geometry = Term.blank("g" + String(TermKey(feature).uuid.replacingOccurrences(of: "-", with: "").prefix(20)))
        return [
            Triple(feature, .iri(GeoSPARQL.hasGeometry), geometry),
            Triple(geometry, .iri(RDF.type), .iri(GeoSPARQL.Geometry)),
            Triple(geometry, .iri(GeoSPARQL.asWKT), .typed(wkt, GeoSPARQL.wktLiteral)),
        ]
    }

    /// A zone's description: a kp:Zone with its identifier, name and cameras by role.
    public func zoneTriples(_ zone: ZoneNetwork.Zone, transitLimitSeconds: Int? = nil) -> [Triple] {
        let z = Term.iri(Feature.zone(zone.id).iri(iris))
        var t = [
            Triple(z, .iri(RDF.type), .iri(KP.Zone)),
            Triple(z, .iri(DCT.identifier), .string(zone.id)),
            Triple(z, .iri(RDFS.label), .lang(zone.name, "nl")),
        ]
        // A zone's own transit limit, like a camera pair's own maximum travel time on its flow.
        if let s = transitLimitSeconds { t.append(Triple(z, .iri(KP.transitLimit), .typed("PT\(s)S", XSD.duration))) }
        for (role, cameras) in [(KP.entryCamera, zone.entry), (KP.exitCamera, zone.exit), (KP.insideCamera, zone.inside)] {
            for c in cameras.sorted() { t.append(Triple(z, .iri(role), .iri(iris.camera(c)))) }
        }
        if let outline = zone.outline { t += geometry(of: z, wkt: outline) }
        return t
    }

    /// A flow's description: a kp:Flow from an origin to a destination (cameras or zones).
    public func flowTriples(_ feature: Feature) -> [Triple] {
        let (origin, destination): (Feature, Feature)
        switch feature {
        case .flow(let a, let b): (origin, destination) = (.camera(a), .camera(b))
        case .zoneFlow(let a, let b): (origin, destination) = (.zone(a), .zone(b))
        default: return []
        }
        let f = Term.iri(feature.iri(iris))
        func id(_ x: Feature) -> String { if case .camera(let c) = x { return c }; if case .zone(let z) = x { return z }; return "" }
        return [
            Triple(f, .iri(RDF.type), .iri(KP.Flow)),
            Triple(f, .iri(KP.origin), .iri(origin.iri(iris))),
            Triple(f, .iri(KP.destination), .iri(destination.iri(iris))),
            Triple(f, .iri(RDFS.label), .lang(id(origin) + " → " + id(destination), "nl")),
        ]
    }

    /// The generating activity: software version and rule parameters.
    public func activityTriples(_ p: TreatmentParameters, softwareVersion: String) -> [Triple] {
        let a = Term.iri(activityIRI)
        var t = [
            Triple(a, .iri(RDF.type), .iri(KP.TreatmentRun)),
            Triple(a, .iri(KP.softwareVersion), .string(softwareVersion)),
            Triple(a, .iri(KP.minimumCount), .integer(p.minimumCount)),
            Triple(a, .iri(KP.maxTravelTime), .typed("PT\(p.maxTravelSeconds)S", XSD.duration)),
            Triple(a, .iri(KP.transitLimit), .typed("PT\(p.transitLimitSeconds)S", XSD.duration)),
            Triple(a, .iri(KP.allowedLateness), .typed("PT\(p.latenessSeconds)S", XSD.duration)),
            Triple(a, .iri(KP.keyRotation), .string(p.keyRotation.rawValue)),
        ]
        for (pair, s) in p.pairMaxTravelSeconds.sorted(by: { ($0.key.origin, $0.key.destination) < ($1.key.origin, $1.key.destination) }) {
            let flow = Feature.flow(pair.origin, pair.destination)
            t.append(Triple(.iri(flow.iri(iris)), .iri(KP.maxTravelTime), .typed("PT\(s)S", XSD.duration)))
        }
        return t
    }
}
