import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore

/// Maps a vehicle-count cell version to COT/SOSA/OWL-Time triples: one LDES member (a version of
/// the stable observation IRI), in its own named graph.
public struct CountObservationMapping: Sendable {
    public static let stream = "vehicle-counts"
    public let iris: IRIScheme
    public let policy: SmallCountPolicy

    public init(iris: IRIScheme, policy: SmallCountPolicy) {
        self.iris = iris
        self.policy = policy
    }

    /// The stable (version-independent) observation IRI of a cell.
    public func observationIRI(_ cell: CountCell) -> String {
        let stamp: String
        switch cell.period {
        case .hour:
            // 2026-10-25T02:00:00+01:00 -> 20261025T0200+0100 (the two 02:00 hours differ by offset).
            let local = BrusselsTime.format(cell.start)
            stamp = local.prefix(16).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "") + local.suffix(6).replacingOccurrences(of: ":", with: "")
        case .day:
            stamp = String(BrusselsTime.format(cell.start).prefix(10))
        }
        return iris.observation(metric: "vehicle-count", feature: cell.cameraID,
                                period: cell.period == .hour ? "hour" : "day", stamp: stamp)
    }

    /// The member IRI of one version.
    public func memberIRI(_ value: CountValue) -> String { observationIRI(value.cell) + "/v" + String(value.version) }

    /// The member's triples.
    public func triples(for value: CountValue, generatedAt: Int64) -> [Triple] {
        let member = Term.iri(memberIRI(value))
        let camera = Term.iri(iris.camera(value.cell.cameraID))
        let tag = String(TermKey(member).uuid.replacingOccurrences(of: "-", with: "").prefix(20))
        let interval = Term.blank("i" + tag), begin = Term.blank("b" + tag), end = Term.blank("e" + tag)
        let generated = Term.typed(XSDDateTime.format(epochMillis: generatedAt, offsetMinutes: 0, zulu: true, alwaysMillis: true), XSD.dateTime)
        var t: [Triple] = [
            Triple(member, .iri(RDF.type), .iri(SOSA.Observation)),
            Triple(member, .iri(DCT.isVersionOf), .iri(observationIRI(value.cell))),
            Triple(member, .iri(PROV.generatedAtTime), generated),
            Triple(member, .iri(SOSA.observedProperty), .iri(COT.passedByVehiclesCount)),
            Triple(member, .iri(SOSA.hasFeatureOfInterest), camera),
            Triple(member, .iri(SOSA.madeBySensor), camera),
            Triple(member, .iri(COT.hasAggregationPeriod), .iri(value.cell.period == .hour ? COT.Hourly : COT.Daily)),
            Triple(member, .iri(COT.usingFunction), .iri(COT.Count)),
            Triple(member, .iri(SOSA.phenomenonTime), interval),
            Triple(interval, .iri(RDF.type), .iri(OWLTime.Interval)),
            Triple(interval, .iri(OWLTime.hasBeginning), begin),
            Triple(interval, .iri(OWLTime.hasEnd), end),
            Triple(begin, .iri(RDF.type), .iri(OWLTime.Instant)),
            Triple(begin, .iri(OWLTime.inXSDDateTimeStamp), .typed(BrusselsTime.format(value.cell.start), XSD.dateTimeStamp)),
            Triple(end, .iri(RDF.type), .iri(OWLTime.Instant)),
            Triple(end, .iri(OWLTime.inXSDDateTimeStamp), .typed(BrusselsTime.format(value.cell.end), XSD.dateTimeStamp)),
            Triple(member, .iri(SOSA.resultTime), .typed(BrusselsTime.format(generatedAt, alwaysMillis: true), XSD.dateTimeStamp)),
        ]
        if policy.allows(value.count) && !value.complementarySuppression {
            t.append(Triple(member, .iri(SOSA.hasSimpleResult), .integer(value.count)))
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
        if let latitude, let longitude {
            let geometry = Term.blank("g" + String(TermKey(camera).uuid.replacingOccurrences(of: "-", with: "").prefix(20)))
            triples += [
                Triple(camera, .iri(GeoSPARQL.hasGeometry), geometry),
                Triple(geometry, .iri(RDF.type), .iri(GeoSPARQL.Geometry)),
                Triple(geometry, .iri(GeoSPARQL.asWKT), .typed("POINT(\(longitude) \(latitude))", GeoSPARQL.wktLiteral)),
            ]
        }
        return triples
    }
}

