import KruispuntRDF

/// The metrics the treatment publishes: the open scenario-1 mobility metrics, then the
/// restricted scenario-2 ones (vehicle-registry enrichment, behind a legal purpose).
public enum Metric: UInt8, Sendable, CaseIterable, Comparable {
    case vehicleCount, uniqueVehicles, flow, travelTimeBin, travelTime, entering, transit, dwellTime, speed,
         vehicleType, typicalHourly
    case nationality, vehicleCategory, vehicleAge, euroClass, heavyTransit, recurringVehicles, lezCompliance

    /// The restricted (scenario-2) metrics, in the order of `PurposeGrants.restrictedMetrics`.
    public static let restricted: [Metric] = [.nationality, .vehicleCategory, .vehicleAge, .euroClass, .heavyTransit,
                                              .recurringVehicles, .lezCompliance]

    /// Whether the metric is restricted: published only to tenants holding a purpose for it.
    public var isRestricted: Bool { rawValue >= Metric.nationality.rawValue }

    /// The restricted metric a purpose grant names (`euro-class`), by its name.
    public static func restricted(named name: String) -> Metric? { restricted.first { $0.slug == name } }

    public static func < (a: Metric, b: Metric) -> Bool { a.rawValue < b.rawValue }

    /// The path segment of the metric's observation IRIs.
    public var slug: String {
        switch self {
        case .vehicleCount: "vehicle-count"
        case .uniqueVehicles: "unique-vehicles"
        case .flow: "od-flow"
        case .travelTimeBin: "travel-time-distribution"
        case .travelTime: "travel-time"
        case .entering: "entering-vehicles"
        case .transit: "through-traffic"
        case .dwellTime: "dwell-time"
        case .speed: "speed"
        case .vehicleType: "vehicle-type"
        case .typicalHourly: "typical-hourly-count"
        case .nationality: "nationality"
        case .vehicleCategory: "vehicle-category"
        case .vehicleAge: "vehicle-age"
        case .euroClass: "euro-class"
        case .heavyTransit: "heavy-through-traffic"
        case .recurringVehicles: "recurring-vehicles"
        case .lezCompliance: "lez-compliance"
        }
    }

    /// The event stream (dataset family) its observations are members of.
    public var stream: String {
        switch self {
        case .vehicleCount: "vehicle-counts"
        case .uniqueVehicles: "unique-vehicles"
        case .flow: "od-flows"
        case .travelTimeBin, .travelTime: "travel-times"
        case .entering, .transit, .dwellTime: "zone-traffic"
        case .speed: "speeds"
        case .vehicleType: "vehicle-types"
        case .typicalHourly: "profiles"
        case .nationality: "nationalities"
        case .vehicleCategory: "vehicle-categories"
        case .vehicleAge: "vehicle-ages"
        case .euroClass: "euro-classes"
        case .heavyTransit: "heavy-through-traffic"
        case .recurringVehicles: "recurring-vehicles"
        case .lezCompliance: "lez-compliance"
        }
    }

    /// The observed property.
    public var property: String {
        switch self {
        case .vehicleCount: COT.passedByVehiclesCount
        case .uniqueVehicles: COT.passedByUniqueVehiclesCount
        case .flow: COT.passedByVehiclesInFlowCount
        case .travelTimeBin: COT.passedByVehiclesPerMinuteInFlowCount
        case .travelTime: KP.travelTime
        case .entering: KP.enteringVehiclesCount
        case .transit: COT.passedByTransitVehiclesCount
        case .dwellTime: KP.dwellTime
        case .speed: KP.vehicleSpeed
        case .vehicleType: KP.vehicleTypeCount
        case .typicalHourly: KP.typicalHourlyCount
        case .nationality: KP.nationalityCount
        case .vehicleCategory: KP.vehicleCategoryCount
        case .vehicleAge: KP.vehicleAgeCount
        case .euroClass: KP.euroClassCount
        case .heavyTransit: KP.heavyTransitVehiclesCount
        case .recurringVehicles: KP.recurringVehiclesCount
        case .lezCompliance: KP.lezComplianceShare
        }
    }

    /// A count of vehicles or detections (the small-count rule applies to the value itself);
    /// otherwise a statistic over vehicles (it applies to the number of vehicles it rests on).
    public var isCount: Bool { !(self == .travelTime || self == .speed || self == .typicalHourly || self == .lezCompliance) }

    /// Dense series are published as `kp:suppressed true` below the threshold; sparse ones
    /// (flows, histogram bins, class mix, travel times) are left out.
    public var isDense: Bool {
        switch self {
        case .vehicleCount, .uniqueVehicles, .entering, .transit, .speed, .typicalHourly: true
        case .flow, .travelTimeBin, .travelTime, .dwellTime, .vehicleType: false
        case .nationality, .vehicleCategory, .vehicleAge, .euroClass, .heavyTransit, .recurringVehicles, .lezCompliance: false
        }
    }
}

/// What an observation is about: a camera, a zone, or a flow between two cameras or zones.
public enum Feature: Hashable, Sendable, Comparable {
    case camera(String)
    case zone(String)
    case flow(String, String)
    case zoneFlow(String, String)

    /// The path of the feature inside observation IRIs (`camera/12025001`, `flow/A/B`).
    public var path: String {
        switch self {
        case .camera(let c): "camera/" + IRIScheme.segment(c)
        case .zone(let z): "zone/" + IRIScheme.segment(z)
        case .flow(let a, let b): "flow/" + IRIScheme.segment(a) + "/" + IRIScheme.segment(b)
        case .zoneFlow(let a, let b): "zone-flow/" + IRIScheme.segment(a) + "/" + IRIScheme.segment(b)
        }
    }

    /// The feature's own IRI.
    public func iri(_ iris: IRIScheme) -> String {
        switch self {
        case .camera(let c): iris.camera(c)
        default: iris.base + "/id/" + path
        }
    }
}

/// The aggregation period of a cell.
public enum Bucket: UInt8, Sendable, Comparable {
    /// A local hour (Europe/Brussels).
    case hour
    /// A local calendar day (23, 24 or 25 hours).
    case day
    /// Four complete local weeks, Monday to Sunday (time-of-day profiles).
    case fourWeeks
    /// A local week, Monday to Sunday (recurring vehicles).
    case week

    public static func < (a: Bucket, b: Bucket) -> Bool { a.rawValue < b.rawValue }
    public var slug: String {
        switch self {
        case .hour: "hour"
        case .day: "day"
        case .fourWeeks: "four-weeks"
        case .week: "week"
        }
    }
}

/// Statistics of the `speed` and `travelTime` metrics, as the qualifier of their cells.
public enum Statistic: Int, Sendable, CaseIterable {
    case average, minimum, maximum, standardDeviation, percentile85, median

    public var slug: String {
        switch self {
        case .average: "average"
        case .minimum: "minimum"
        case .maximum: "maximum"
        case .standardDeviation: "stddev"
        case .percentile85: "v85"
        case .median: "median"
        }
    }

    public var function: String {
        switch self {
        case .average: COT.Average
        case .minimum: COT.Minimum
        case .maximum: COT.Maximum
        case .standardDeviation: COT.StdDev
        case .percentile85: KP.Percentile85
        case .median: KP.Median
        }
    }
}

/// The dwell-time histogram bins: lower bound inclusive, upper bound exclusive (the last one
/// includes 24 h).
public enum DwellBin: Int, Sendable, CaseIterable {
    case upTo15Minutes, upTo30Minutes, upTo1Hour, upTo2Hours, upTo4Hours, upTo8Hours, upTo24Hours

    public static let boundsSeconds: [(Int, Int)] = [(0, 900), (900, 1800), (1800, 3600), (3600, 7200),
                                                     (7200, 14400), (14400, 28800), (28800, 86400)]
    public var bounds: (lower: Int, upper: Int) { Self.boundsSeconds[rawValue] }
    public var slug: String { "\(bounds.lower / 60)-\(bounds.upper / 60)min" }
    /// The bin's lower bound as an `xsd:duration` (the value of `kp:durationBin`).
    public var lowerBound: String { ["PT0S", "PT15M", "PT30M", "PT1H", "PT2H", "PT4H", "PT8H"][rawValue] }

    /// The bin of a duration in seconds, or nil beyond 24 h (or below 0).
    public static func of(seconds: Int64) -> DwellBin? {
        guard seconds >= 0, seconds <= 86_400 else { return nil }
        for bin in allCases where seconds < Int64(bin.bounds.upper) { return bin }
        return .upTo24Hours
    }
}
