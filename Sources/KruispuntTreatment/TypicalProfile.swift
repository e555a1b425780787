import KruispuntANPR

/// Time-of-day profiles: the mean hourly count per (weekday, local hour) over four complete
/// local weeks (Monday to Sunday), per camera (vehicle counts) and per zone (entering vehicles).
/// A missing hour counts as 0; on the 25-hour DST day both 02:00 hours add to hour 2.
///
/// Four times the mean is the sum of the four hourly cells it averages, a published sum: it is
/// shown only when that sum is 0 or at least k and the hourly cells hidden among its parts are
/// none, or two or more adding up to k (else `kp:suppressed true`).
public enum TypicalProfile {
    /// One hourly cell of the window, as published.
    public struct Hour: Sendable, Hashable {
        public let feature: Feature
        /// Days since 1970-01-01 (local date) and local hour of day (0...23).
        public let day: Int
        public let hourOfDay: Int
        public let value: Int
        public let published: Bool
        public init(feature: Feature, day: Int, hourOfDay: Int, value: Int, published: Bool) {
            self.feature = feature
            self.day = day
            self.hourOfDay = hourOfDay
            self.value = value
            self.published = published
        }
    }

    /// The Monday (days since 1970-01-01) of the week holding `day`.
    public static func monday(_ day: Int) -> Int { day - ((day % 7 + 7 + 3) % 7) }

    /// The profile cells of the window of four weeks starting on Monday `start`.
    public static func cells(windowStart start: Int, hours: [Hour], minimumCount k: Int) -> [Cell] {
        struct Slot: Hashable { let feature: Feature; let weekday: Int; let hour: Int }
        var sums: [Slot: (sum: Int, hidden: Int, hiddenValue: Int)] = [:]
        var features: Set<Feature> = []
        for h in hours where h.day >= start && h.day < start + 28 {
            features.insert(h.feature)
            let slot = Slot(feature: h.feature, weekday: (h.day - start) % 7 + 1, hour: h.hourOfDay)
            var s = sums[slot] ?? (0, 0, 0)
            s.sum += h.value
            if !h.published && h.value > 0 { s.hidden += 1; s.hiddenValue += h.value }
            sums[slot] = s
        }
        let begin = BrusselsTime.dayStart(start), end = BrusselsTime.dayStart(start + 28)
        var out: [Cell] = []
        for feature in features {
            for weekday in 1...7 {
                for hour in 0..<24 {
                    let s = sums[Slot(feature: feature, weekday: weekday, hour: hour)] ?? (0, 0, 0)
                    var cell = Cell(key: CellKey(.typicalHourly, feature, .fourWeeks, start: begin, end: end, qualifier: weekday * 100 + hour),
                                    value: Double(s.sum) / 4, support: s.sum)
                    if k > 1 {
                        if s.sum > 0 && s.sum < k { cell.publication = .primarySuppressed }
                        else if s.hidden > 0 && (s.hidden < 2 || s.hiddenValue < k) { cell.publication = .complementarySuppressed }
                    }
                    out.append(cell)
                }
            }
        }
        out.sort { $0.key < $1.key }
        return out
    }
}
