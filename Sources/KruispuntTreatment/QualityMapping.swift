import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntStore

/// Maps a camera-hour's data quality to W3C DQV: each version is one member of the
/// `data-quality` stream, a `kp:CameraHourQuality` computed on the camera, with the rules that
/// fired and one `dqv:QualityMeasurement` per measure. Counts and shares are left out when the
/// hour's detections or lines are under the small-count threshold (the rules that fired are not).
struct QualityMapping {
    let mapping: ObservationMapping
    let policy: SmallCountPolicy

    static let stream = "data-quality"

    /// `kp:` metric local names and how each is measured (nil: not published for this hour).
    static let metrics: [(name: String, value: @Sendable (QualityMeasures) -> Term?)] = [
        ("detectionCount", { .typed(String($0.detections), XSD.nonNegativeInteger) }),
        ("duplicateShare", { share($0.duplicates, of: $0.received) }),
        ("clockAheadShare", { share($0.ahead, of: $0.detections) }),
        ("clockOffset", { .typed(String(format: "%.1f", $0.clockOffsetSeconds), XSD.decimal) }),
        ("outOfOrderShare", { share($0.outOfOrder, of: $0.detections) }),
        ("speedMissingShare", { share($0.speedMissing, of: $0.detections) }),
        ("unknownNationalityShare", { share($0.unknownNationality, of: $0.detections) }),
        ("unknownVehicleTypeShare", { share($0.unknownVehicleType, of: $0.detections) }),
        ("driftShare", { share($0.drifted, of: $0.detections) }),
        ("quarantinedShare", { share($0.quarantined, of: $0.lines) }),
    ]

    static func share(_ part: Int, of whole: Int) -> Term? {
        whole == 0 ? nil : .typed(String(format: "%.4f", Double(part) / Double(whole)), XSD.decimal)
    }

    static func ruleIRI(_ rule: QualityRule) -> String { KP.ns + "rule-" + rule.rawValue }

    /// The stable (version-independent) IRI of a camera-hour's quality.
    func baseIRI(camera: String, hour: Int64) -> String {
        mapping.iris.base + "/id/quality/camera/" + IRIScheme.segment(camera) + "/hour/" + ObservationMapping.hourStamp(hour * 3_600_000)
    }

    func memberIRI(camera: String, hour: Int64, version: Int) -> String { baseIRI(camera: camera, hour: hour) + "/v" + String(version) }

    func triples(camera: String, hour: Int64, measures m: QualityMeasures, fired: [QualityRule], version: Int,
                 generatedAt: Int64, times: inout ObservationMapping.TimeTerms) -> [Triple] {
        let memberIRI = memberIRI(camera: camera, hour: hour, version: version)
        let member = Term.iri(memberIRI), cameraTerm = Term.iri(mapping.iris.camera(camera))
        let tag = String(TermKey(member).uuid.replacingOccurrences(of: "-", with: "").prefix(20))
        let interval = Term.blank("i" + tag), begin = Term.blank("b" + tag), end = Term.blank("e" + tag)
        let (generated, _) = times.generatedAt(generatedAt)
        var t: [Triple] = [
            Triple(member, .iri(RDF.type), .iri(KP.CameraHourQuality)),
            Triple(member, .iri(DCT.isVersionOf), .iri(baseIRI(camera: camera, hour: hour))),
            Triple(member, .iri(PROV.generatedAtTime), generated),
            Triple(member, .iri(PROV.wasGeneratedBy), .iri(mapping.activityIRI)),
            Triple(member, .iri(DQV.computedOn), cameraTerm),
            Triple(member, .iri(SOSA.phenomenonTime), interval),
            Triple(interval, .iri(RDF.type), .iri(OWLTime.Interval)),
            Triple(interval, .iri(OWLTime.hasBeginning), begin),
            Triple(interval, .iri(OWLTime.hasEnd), end),
            Triple(begin, .iri(RDF.type), .iri(OWLTime.Instant)),
            Triple(begin, .iri(OWLTime.inXSDDateTimeStamp), times.stamp(hour * 3_600_000)),
            Triple(end, .iri(RDF.type), .iri(OWLTime.Instant)),
            Triple(end, .iri(OWLTime.inXSDDateTimeStamp), times.stamp((hour + 1) * 3_600_000)),
            Triple(member, .iri(KP.qualityStatus), .string(fired.isEmpty ? "ok" : "alert")),
        ]
        for rule in fired { t.append(Triple(member, .iri(KP.firedRule), .iri(Self.ruleIRI(rule)))) }
        guard policy.allows(m.detections), policy.allows(m.lines) else {
            t.append(Triple(member, .iri(KP.suppressed), .boolean(true)))
            return t
        }
        for (name, value) in Self.metrics {
            guard let v = value(m) else { continue }
            let measurement = Term.iri(memberIRI + "#" + name)
            t += [
                Triple(member, .iri(DQV.hasQualityMeasurement), measurement),
                Triple(measurement, .iri(RDF.type), .iri(DQV.QualityMeasurement)),
                Triple(measurement, .iri(DQV.isMeasurementOf), .iri(KP.ns + name)),
                Triple(measurement, .iri(DQV.computedOn), cameraTerm),
                Triple(measurement, .iri(DQV.value), v),
            ]
        }
        return t
    }
}
