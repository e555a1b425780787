import KruispuntANPR
import KruispuntRDF
import KruispuntStore

/// The rule parameters of the treatment. Observations name them through their generating
/// activity, so that two runs with the same software and parameters share one activity IRI.
public struct TreatmentParameters: Sendable, Hashable {
    /// Small-count threshold k (1 disables suppression).
    public var minimumCount: Int
    /// Longest gap between two consecutive detections that still makes a trip (seconds).
    public var maxTravelSeconds: Int
    /// Longest entry-to-exit time that still counts as through traffic (seconds).
    public var transitLimitSeconds: Int
    /// How far behind the latest event time detections may still arrive before buckets close (seconds).
    public var latenessSeconds: Int
    /// The pseudonym key period (detections link only within one).
    public var keyRotation: KeyRotation
    /// Per camera pair overrides of the max travel time (seconds).
    public var pairMaxTravelSeconds: [Pair: Int]
    /// Per zone overrides of the transit limit (seconds).
    public var zoneTransitLimitSeconds: [String: Int]

    /// An ordered pair of camera ids.
    public struct Pair: Hashable, Sendable {
        public let origin: String, destination: String
        public init(_ origin: String, _ destination: String) { self.origin = origin; self.destination = destination }
    }

    public init(minimumCount: Int = 10, maxTravelSeconds: Int = 3600, transitLimitSeconds: Int = 1800,
                latenessSeconds: Int = 900, keyRotation: KeyRotation = .day,
                pairMaxTravelSeconds: [Pair: Int] = [:], zoneTransitLimitSeconds: [String: Int] = [:]) {
        self.minimumCount = max(1, minimumCount)
        self.maxTravelSeconds = maxTravelSeconds
        self.transitLimitSeconds = transitLimitSeconds
        self.latenessSeconds = latenessSeconds
        self.keyRotation = keyRotation
        self.pairMaxTravelSeconds = pairMaxTravelSeconds
        self.zoneTransitLimitSeconds = zoneTransitLimitSeconds
    }

    public var policy: SmallCountPolicy { SmallCountPolicy(minimumCount: minimumCount) }

    /// How far past a day's end detections still matter to its cells: none when pseudonyms
    /// rotate daily (nothing links across midnight), else the longest look-ahead (a dwell, 24 h).
    public var lookaheadMillis: Int64 {
        keyRotation == .day ? 0 : Int64(max(86_400, maxTravelSeconds, transitLimitSeconds, zoneTransitLimitSeconds.values.max() ?? 0)) * 1000
    }

    /// A bucket is closed once the watermark passes its end plus the max travel time.
    public var closingDelayMillis: Int64 { Int64(max(maxTravelSeconds, pairMaxTravelSeconds.values.max() ?? 0)) * 1000 }

    /// A stable digest of the parameters and software version (names the generating activity).
    public func digest(softwareVersion: String) -> String {
        var text = "v=\(softwareVersion);k=\(minimumCount);travel=\(maxTravelSeconds);transit=\(transitLimitSeconds);"
        text += "lateness=\(latenessSeconds);rotation=\(keyRotation.rawValue)"
        for (pair, s) in pairMaxTravelSeconds.sorted(by: { ($0.key.origin, $0.key.destination) < ($1.key.origin, $1.key.destination) }) {
            text += ";pair=\(pair.origin)>\(pair.destination)=\(s)"
        }
        for (zone, s) in zoneTransitLimitSeconds.sorted(by: { $0.key < $1.key }) { text += ";zone=\(zone)=\(s)" }
        return String(TermKey(.string(text)).uuid.replacingOccurrences(of: "-", with: "").prefix(16))
    }
}

/// Zones with their entry, exit and inside cameras.
public struct ZoneNetwork: Sendable, Hashable {
    public struct Zone: Sendable, Hashable {
        public let id: String
        public let name: String
        public var entry: Set<String>
        public var exit: Set<String>
        public var inside: Set<String>
        /// The zone's outline as a WKT polygon (see `GeoJSONOutline`), when the registry has one.
        public var outline: String?
        public init(id: String, name: String, entry: Set<String> = [], exit: Set<String> = [], inside: Set<String> = [],
                    outline: String? = nil) {
            self.id = id
            self.name = name
            self.entry = entry
            self.exit = exit
            self.inside = inside
            self.outline = outline
        }
        /// Adds a camera in a role (`entry`, `exit`, anything else: inside).
        public mutating func add(camera: String, role: String) {
            switch role {
            case "entry": entry.insert(camera)
            case "exit": exit.insert(camera)
            default: inside.insert(camera)
            }
        }

        /// Every camera of the zone, whatever its role.
        public var cameras: Set<String> { entry.union(exit).union(inside) }
    }

    /// Zones sorted by id.
    public let zones: [Zone]

    public init(_ zones: [Zone]) { self.zones = zones.sorted { $0.id < $1.id } }
    public static let empty = ZoneNetwork([])

    /// The zones each camera is an entry camera of, by camera id (zones in id order).
    public var entryZones: [String: [String]] {
        var out: [String: [String]] = [:]
        for zone in zones { for c in zone.entry { out[c, default: []].append(zone.id) } }
        return out
    }
}
