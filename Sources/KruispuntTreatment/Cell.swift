import KruispuntANPR

/// Identifies one observation: a metric of a feature over a bucket, with a qualifier where the
/// metric has several values per bucket (vehicle class, travel-time minute, dwell bin, statistic,
/// weekday and hour of a profile; 0 otherwise).
public struct CellKey: Hashable, Sendable, Comparable {
    public let metric: Metric
    public let feature: Feature
    public let bucket: Bucket
    /// UTC epoch milliseconds of the bucket's start and end (end exclusive).
    public let start: Int64
    public let end: Int64
    public let qualifier: Int

    public init(_ metric: Metric, _ feature: Feature, _ bucket: Bucket, start: Int64, end: Int64, qualifier: Int = 0) {
        self.metric = metric
        self.feature = feature
        self.bucket = bucket
        self.start = start
        self.end = end
        self.qualifier = qualifier
    }

    public static func < (a: CellKey, b: CellKey) -> Bool {
        if a.metric != b.metric { return a.metric < b.metric }
        if a.feature != b.feature { return a.feature < b.feature }
        if a.bucket != b.bucket { return a.bucket < b.bucket }
        if a.start != b.start { return a.start < b.start }
        return a.qualifier < b.qualifier
    }

    /// The local day (days since 1970-01-01) the bucket starts in: the unit of recomputation.
    public var localDay: Int { BrusselsTime.localDay(start) }
}

/// A computed value and what may be published of it.
public struct Cell: Sendable, Hashable {
    public enum Publication: Sendable, Hashable {
        case published
        /// Below the threshold itself.
        case primarySuppressed
        /// Suppressed so that no published sum reveals a small cell.
        case complementarySuppressed
    }

    public let key: CellKey
    /// The count, or the statistic's value.
    public var value: Double
    /// The number of vehicles or detections the value rests on (the count itself for counts).
    public var support: Int
    public var publication: Publication

    public init(key: CellKey, value: Double, support: Int, publication: Publication = .published) {
        self.key = key
        self.value = value
        self.support = support
        self.publication = publication
    }

    public var isPublished: Bool { publication == .published }
    /// The count as an integer (for count metrics).
    public var count: Int { Int(value) }
}
