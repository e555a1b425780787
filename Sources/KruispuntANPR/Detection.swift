import Foundation
import KruispuntRDF
import KruispuntStore

/// One ANPR detection that passed validation. It holds no plate hash: only the period pseudonym
/// and a per-detection fingerprint used to recognise duplicates.
public struct Detection: Sendable, Hashable {
    public var cameraID: String
    public var backofficeID: String
    /// The instant, in milliseconds since the epoch (UTC).
    public var epochMillis: Int64
    /// The offset the source wrote the instant with, in minutes.
    public var offsetMinutes: Int
    /// WGS84 position, when the line carries one (else the camera registry's position applies).
    public var latitude: Double?
    public var longitude: Double?
    /// ISO 3166-1 alpha-2, or `unknown`.
    public var nationality: String
    /// Speed in km/h when it is plausible (0 < s <= 250); nil when missing or discarded.
    public var speedKmh: Double?
    /// True when a speed was given but lay outside 0 < s <= 250 (kept as missing).
    public var speedDiscarded: Bool
    public var vehicleClass: VehicleClass
    /// The vehicle's pseudonym for the key period of this detection (never the plate hash).
    public var pseudonym: Pseudonym
    /// Hash of (camera, instant, pseudonym): equal for duplicates, unrelated across detections.
    public var fingerprint: TermKey
}

/// The canonical detection CSV columns, in order, and the other names exports use for them.
public enum DetectionColumns {
    public static let header = ["camera_id", "backoffice_id", "timestamp", "latitude", "longitude",
                                "plate_hash", "nationality", "speed_kmh", "vehicle_type"]

    /// Dutch (ANPR standard) and common English names, lower case, accepted without `--map`.
    public static let aliases: [String: [String]] = [
        "camera_id": ["cameraid", "camera", "camera_nummer", "cameranummer", "camera-id"],
        "backoffice_id": ["backofficeid", "backoffice", "backoffice_nummer", "bo_id"],
        "timestamp": ["tijdstip", "datumtijd", "datum_tijd", "tijdstempel", "detectietijdstip", "time", "datetime"],
        "latitude": ["breedtegraad", "lat"],
        "longitude": ["lengtegraad", "lon", "lng", "long"],
        "plate_hash": ["nummerplaat_hash", "nummerplaathash", "kenteken_hash", "plaat_hash", "platehash", "hash"],
        "nationality": ["nationaliteit", "land", "landcode", "country"],
        "speed_kmh": ["snelheid", "snelheid_kmh", "speed"],
        "vehicle_type": ["voertuigtype", "voertuigcategorie", "type_voertuig", "voertuigklasse", "vehicle_class"],
    ]

    /// Parses `--map camera_id=CameraId,timestamp=Tijd`; throws on unknown canonical names.
    public static func mapping(_ text: String) throws -> [String: String] {
        var map: [String: String] = [:]
        for pair in text.split(separator: ",") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[1].isEmpty else { throw IngestError("--map expects canonical=source pairs, not \"\(pair)\"") }
            guard header.contains(parts[0]) else {
                throw IngestError("--map: \"\(parts[0])\" is not a canonical column (\(header.joined(separator: ", ")))")
            }
            map[parts[0]] = parts[1]
        }
        return map
    }
}

/// A line that failed validation: where, why, and the raw text (kept in quarantine), with its
/// camera and instant when those were valid (the camera's quarantined share per hour).
public struct RejectedLine: Sendable, Hashable {
    public let lineNumber: Int
    public let reason: String
    public let raw: String
    public var cameraID: String? = nil
    public var epochMillis: Int64? = nil
}
