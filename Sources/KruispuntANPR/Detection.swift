import KruispuntRDF
import KruispuntStore

/// One ANPR detection that passed validation. It holds no plate hash: only a per-detection
/// fingerprint (camera, instant, plate hash) used to recognise duplicates.
public struct Detection: Sendable, Hashable {
    public var cameraID: String
    public var backofficeID: String
    /// The instant, in milliseconds since the epoch (UTC).
    public var epochMillis: Int64
    /// The offset the source wrote the instant with, in minutes.
    public var offsetMinutes: Int
    public var latitude: Double
    public var longitude: Double
    public var nationality: String
    public var speedKmh: Double?
    public var vehicleType: String
    /// Hash of (camera, instant, plate hash): equal for duplicates, unrelated across detections.
    public var fingerprint: TermKey
}

/// The canonical detection CSV columns, in order.
public enum DetectionColumns {
    public static let header = ["camera_id", "backoffice_id", "timestamp", "latitude", "longitude",
                                "plate_hash", "nationality", "speed_kmh", "vehicle_type"]
}

/// A line that failed validation: where, why, and the raw text (kept in quarantine).
public struct RejectedLine: Sendable, Hashable {
    public let lineNumber: Int
    public let reason: String
    public let raw: String
}
