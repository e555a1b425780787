import KruispuntANPR

/// One bucket of a count series: a camera and a local hour or local day.
public struct CountCell: Hashable, Sendable {
    public enum Period: String, Sendable {
        case hour = "H", day = "D"
    }
    public let cameraID: String
    public let period: Period
    /// UTC epoch milliseconds of the bucket's start and end (end exclusive).
    public let start: Int64
    public let end: Int64

    public init(cameraID: String, period: Period, start: Int64, end: Int64) {
        self.cameraID = cameraID
        self.period = period
        self.start = start
        self.end = end
    }

    /// The local hour holding an instant.
    public static func hour(camera: String, at ms: Int64) -> CountCell {
        let start = BrusselsTime.hourStart(ms)
        return CountCell(cameraID: camera, period: .hour, start: start, end: start + 3_600_000)
    }

    /// The local calendar day holding an instant (23, 24 or 25 hours long).
    public static func day(camera: String, at ms: Int64) -> CountCell {
        let day = BrusselsTime.localDay(ms)
        return CountCell(cameraID: camera, period: .day, start: BrusselsTime.dayStart(day),
                         end: BrusselsTime.dayStart(day + 1))
    }
}

/// A count cell's published state after a treatment run.
public struct CountValue: Sendable, Hashable {
    public let cell: CountCell
    public let count: Int
    public let version: Int
    /// True when the count itself may be published but would reveal suppressed cells by
    /// subtraction (a day whose suppressed hours add up to less than k).
    public var complementarySuppression: Bool

    public init(cell: CountCell, count: Int, version: Int, complementarySuppression: Bool = false) {
        self.cell = cell
        self.count = count
        self.version = version
        self.complementarySuppression = complementarySuppression
    }
}
